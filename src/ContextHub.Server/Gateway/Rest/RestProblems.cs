using System.Text.Json;
using ContextHub.Protocol;

namespace ContextHub.Server.Gateway.Rest;

/// <summary>
/// RFC 7807 problems of the REST door: one stable <c>type</c> URI per kind of error, mapped from the same
/// <see cref="McpErrorException"/> the engine raises for MCP, so a failure means the same thing through every door.
/// </summary>
public static class RestProblems
{
    public const string MediaType = "application/problem+json";

    public const string TypeBase = "https://contexthub.dev/problems/";

    /// <summary>Every kind of problem the REST door answers with: its <c>type</c> slug, title and HTTP status.</summary>
    public static readonly RestProblemKind ParseError = new("parse-error", "Malformed JSON", StatusCodes.Status400BadRequest);
    public static readonly RestProblemKind InvalidRequest = new("invalid-request", "Invalid request", StatusCodes.Status400BadRequest);
    public static readonly RestProblemKind InvalidParams = new("invalid-params", "Invalid parameters", StatusCodes.Status400BadRequest);
    public static readonly RestProblemKind NotFound = new("not-found", "Not found", StatusCodes.Status404NotFound);
    public static readonly RestProblemKind MethodNotFound = new("method-not-found", "Method not found", StatusCodes.Status404NotFound);
    public static readonly RestProblemKind MissingCapability = new("missing-capability", "Missing client capability", StatusCodes.Status400BadRequest);
    public static readonly RestProblemKind UnsupportedVersion = new("unsupported-version", "Unsupported protocol version", StatusCodes.Status400BadRequest);
    public static readonly RestProblemKind TooLarge = new("too-large", "Request body too large", StatusCodes.Status413PayloadTooLarge);
    public static readonly RestProblemKind UnsupportedMediaType = new("unsupported-media-type", "Unsupported media type", StatusCodes.Status415UnsupportedMediaType);
    public static readonly RestProblemKind ForbiddenOrigin = new("forbidden-origin", "Origin not allowed", StatusCodes.Status403Forbidden);
    public static readonly RestProblemKind Conflict = new("conflict", "Conflict", StatusCodes.Status409Conflict);
    public static readonly RestProblemKind Internal = new("internal", "Internal error", StatusCodes.Status500InternalServerError);

    /// <summary>The problem kind for an engine error kind.</summary>
    public static RestProblemKind For(McpErrorKind kind) => kind switch
    {
        McpErrorKind.ParseError => ParseError,
        McpErrorKind.InvalidRequest => InvalidRequest,
        McpErrorKind.InvalidParams => InvalidParams,
        McpErrorKind.NotFound => NotFound,
        McpErrorKind.MethodNotFound => MethodNotFound,
        McpErrorKind.MissingCapability => MissingCapability,
        McpErrorKind.UnsupportedVersion => UnsupportedVersion,
        McpErrorKind.TooLarge => TooLarge,
        _ => Internal,
    };

    /// <summary>The problem for an error the engine raised.</summary>
    public static Problem From(McpErrorException error, HttpContext context)
    {
        var kind = For(error.Kind);
        string? path = null;
        JsonElement? data = null;
        if (error.ErrorData is { } node)
        {
            if (node is System.Text.Json.Nodes.JsonObject obj && obj["path"] is System.Text.Json.Nodes.JsonValue value
                && value.TryGetValue<string>(out var text))
            {
                path = text;
            }

            if (node is not System.Text.Json.Nodes.JsonObject { Count: 1 } || path is null)
            {
                data = JsonSerializer.SerializeToElement(node, McpJson.TypeInfo<System.Text.Json.Nodes.JsonNode>());
            }
        }

        return new Problem(kind.Type, kind.Title, kind.Status, error.Message, Instance(context), error.Code, path, data);
    }

    /// <summary>A problem raised by the door itself (before the engine saw the request).</summary>
    public static Problem Of(RestProblemKind kind, string detail, HttpContext context, string? path = null) =>
        new(kind.Type, kind.Title, kind.Status, detail, Instance(context), null, path, null);

    /// <summary>Writes a problem as <c>application/problem+json</c>.</summary>
    public static IResult ToResult(Problem problem) =>
        TypedResults.Json(problem, RestJsonContext.Default.Problem, MediaType, problem.Status);

    private static string Instance(HttpContext context) => context.Request.PathBase + context.Request.Path;
}

/// <summary>One kind of problem: <c>type</c> is <see cref="RestProblems.TypeBase"/> plus the slug.</summary>
public sealed record RestProblemKind(string Slug, string Title, int Status)
{
    public string Type => RestProblems.TypeBase + Slug;
}

/// <summary>A request the REST door refuses before it reaches the engine (media type, size, malformed JSON).</summary>
public sealed class RestRejectedException(RestProblemKind kind, string message, string? path = null) : Exception(message)
{
    public RestProblemKind Kind { get; } = kind;

    public string? Path { get; } = path;
}
