using System.Buffers;
using System.Text.Json;
using ContextHub.Messaging;
using ContextHub.Server.Gateway.Security;
using GraphQL;
using GraphQL.Execution;
using GraphQL.Transport;
using GraphQLParser.AST;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace ContextHub.Server.Gateway.GraphQL;

/// <summary>
/// GraphQL over HTTP: POST with a JSON body, GET with the query in the URL (queries only), answered as
/// <c>application/graphql-response+json</c> or <c>application/json</c> as the client accepts. Status codes follow the
/// GraphQL-over-HTTP specification: with <c>application/graphql-response+json</c> a request that never started
/// executing (parse, validation, variable errors) is 400; with <c>application/json</c> it is 200 with <c>errors</c>.
/// A request that is not GraphQL over HTTP at all (unparseable JSON, wrong shapes) is 400 either way.
/// </summary>
public sealed class GraphQLHttpHandler(GraphQLExecutor executor, OriginGuard origins, IOptions<GatewayOptions> gateway)
{
    public const string GraphQLResponseJson = "application/graphql-response+json";
    public const string Json = "application/json";

    private readonly long _maxBodyBytes = gateway.Value.MaxRequestBodyBytes;

    public async Task HandleAsync(HttpContext context)
    {
        if (!origins.IsAllowed(context))
        {
            await RejectAsync(context, StatusCodes.Status403Forbidden, Json, "FORBIDDEN", "Origin not allowed (ContextHub:Gateway:AllowedOrigins).");
            return;
        }

        var isGet = HttpMethods.IsGet(context.Request.Method);
        if (!isGet && !HttpMethods.IsPost(context.Request.Method))
        {
            context.Response.Headers.Allow = "GET, POST";
            await RejectAsync(context, StatusCodes.Status405MethodNotAllowed, Json, "METHOD_NOT_ALLOWED",
                "GraphQL over HTTP takes POST (any operation) or GET (queries only); subscriptions use a WebSocket (graphql-transport-ws).");
            return;
        }

        if (Negotiate(context.Request) is not { } mediaType)
        {
            await RejectAsync(context, StatusCodes.Status406NotAcceptable, Json, "NOT_ACCEPTABLE",
                $"Not acceptable: accept {GraphQLResponseJson} or {Json}.");
            return;
        }

        var (request, status, code, message) = isGet ? ReadQueryString(context.Request) : await ReadBodyAsync(context);
        if (request is null)
        {
            await RejectAsync(context, status, mediaType, code!, message!);
            return;
        }

        var document = TryParse(request.Query!);
        var operation = document is null ? null : GraphQLExecutor.SelectOperation(document, request.OperationName);
        if (isGet && operation?.Operation == OperationType.Mutation)
        {
            context.Response.Headers.Allow = "POST";
            await RejectAsync(context, StatusCodes.Status405MethodNotAllowed, mediaType, "METHOD_NOT_ALLOWED", "Mutations are not allowed over GET: use POST.");
            return;
        }

        if (operation?.Operation == OperationType.Subscription)
        {
            await RejectAsync(context, mediaType == GraphQLResponseJson ? StatusCodes.Status400BadRequest : StatusCodes.Status200OK, mediaType,
                "SUBSCRIPTION_OVER_HTTP", "Subscriptions run over a WebSocket to this path with the graphql-transport-ws subprotocol.");
            return;
        }

        var user = new GraphQLUserContext(context.GetCaller(McpTransportKind.GraphQL));
        var result = await executor.ExecuteAsync(request, document, context.RequestServices, user, context.RequestAborted);
        var statusCode = mediaType == GraphQLResponseJson && !result.Executed ? StatusCodes.Status400BadRequest : StatusCodes.Status200OK;
        await WriteAsync(context, statusCode, mediaType, result);
    }

    /// <summary>The response media type the client accepts; no Accept means application/json; null when none fits (406).</summary>
    internal static string? Negotiate(HttpRequest request)
    {
        var accept = request.Headers.Accept;
        if (accept.Count == 0 || string.IsNullOrWhiteSpace(accept.ToString()))
        {
            return Json;
        }

        if (!MediaTypeHeaderValue.TryParseList(accept, out var types))
        {
            return null;
        }

        foreach (var type in types.OrderByDescending(t => t.Quality ?? 1))
        {
            if (type.Quality == 0)
            {
                continue;
            }

            var media = type.MediaType.Value ?? "";
            if (media.Equals(GraphQLResponseJson, StringComparison.OrdinalIgnoreCase))
            {
                return GraphQLResponseJson;
            }

            if (media.Equals(Json, StringComparison.OrdinalIgnoreCase) || media is "application/*" or "*/*")
            {
                return Json;
            }
        }

        return null;
    }

    private static GraphQLDocument? TryParse(string query)
    {
        try
        {
            return new GraphQLDocumentBuilder().Build(query);
        }
        catch (Exception)
        {
            // The executer parses again and reports the syntax error in the GraphQL shape.
            return null;
        }
    }

    private (GraphQLRequest? Request, int Status, string? Code, string? Message) ReadQueryString(HttpRequest http)
    {
        var query = http.Query;
        foreach (var key in (string[])["query", "operationName", "variables", "extensions"])
        {
            if (query[key].Count > 1)
            {
                return Bad($"The URL has '{key}' more than once.");
            }
        }

        if (query["query"].ToString() is not { Length: > 0 } text)
        {
            return Bad("The URL has no 'query' parameter: GET /graphql?query={...}.");
        }

        var request = new GraphQLRequest { Query = text, OperationName = query["operationName"].Count == 0 ? null : query["operationName"].ToString() };
        foreach (var key in (string[])["variables", "extensions"])
        {
            if (query[key].Count == 0)
            {
                continue;
            }

            JsonDocument parsed;
            try
            {
                parsed = JsonDocument.Parse(query[key].ToString());
            }
            catch (JsonException e)
            {
                return Bad($"'{key}' is not JSON: {e.Message}");
            }

            using (parsed)
            {
                var (inputs, error) = ReadMap(parsed.RootElement, key);
                if (error is not null)
                {
                    return Bad(error);
                }

                if (key == "variables")
                {
                    request.Variables = inputs;
                }
                else
                {
                    request.Extensions = inputs;
                }
            }
        }

        return (request, 0, null, null);
    }

    private async Task<(GraphQLRequest? Request, int Status, string? Code, string? Message)> ReadBodyAsync(HttpContext context)
    {
        var contentType = context.Request.ContentType;
        if (contentType is null || !MediaTypeHeaderValue.TryParse(contentType, out var media)
            || !media.MediaType.Equals(Json, StringComparison.OrdinalIgnoreCase))
        {
            return (null, StatusCodes.Status415UnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", "Unsupported media type: send Content-Type: application/json.");
        }

        if (media.Charset.HasValue && !media.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase)
            && !media.Charset.Equals("utf8", StringComparison.OrdinalIgnoreCase))
        {
            return (null, StatusCodes.Status415UnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", $"Unsupported charset '{media.Charset}': send UTF-8.");
        }

        var tooLarge = (Request: (GraphQLRequest?)null, StatusCodes.Status413PayloadTooLarge, "PAYLOAD_TOO_LARGE",
            $"Request body too large: the limit is {_maxBodyBytes} bytes (ContextHub:Gateway:MaxRequestBodyBytes).");
        if (context.Request.ContentLength > _maxBodyBytes)
        {
            return tooLarge;
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = _maxBodyBytes;
        }

        var body = new ArrayBufferWriter<byte>(4096);
        try
        {
            while (true)
            {
                var memory = body.GetMemory(4096);
                var read = await context.Request.Body.ReadAsync(memory, context.RequestAborted);
                if (read == 0)
                {
                    break;
                }

                body.Advance(read);
                if (body.WrittenCount > _maxBodyBytes)
                {
                    return tooLarge;
                }
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return tooLarge;
        }

        if (body.WrittenCount == 0)
        {
            return Bad("The request has no body: POST a JSON object with a 'query' string.");
        }

        if (!System.Text.Unicode.Utf8.IsValid(body.WrittenSpan))
        {
            return (null, StatusCodes.Status400BadRequest, "PARSE_ERROR", "The body is not JSON: it is not valid UTF-8.");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.WrittenMemory);
        }
        catch (JsonException e)
        {
            return (null, StatusCodes.Status400BadRequest, "PARSE_ERROR", $"The body is not JSON: {e.Message}");
        }

        using (document)
        {
            return ReadRequest(document.RootElement);
        }
    }

    private (GraphQLRequest? Request, int Status, string? Code, string? Message) ReadRequest(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return Bad("The body must be a JSON object with a 'query' string.");
        }

        var query = root.Get("query");
        if (query.ValueKind != JsonValueKind.String)
        {
            return Bad(query.ValueKind == JsonValueKind.Undefined
                ? "The body has no 'query': send {\"query\": \"{ tools { name } }\"}."
                : "'query' must be a string.");
        }

        var operationName = root.Get("operationName");
        if (operationName.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.String))
        {
            return Bad("'operationName' must be a string or null.");
        }

        var (variables, variablesError) = ReadMap(root.Get("variables"), "variables");
        if (variablesError is not null)
        {
            return Bad(variablesError);
        }

        var (extensions, extensionsError) = ReadMap(root.Get("extensions"), "extensions");
        if (extensionsError is not null)
        {
            return Bad(extensionsError);
        }

        return (new GraphQLRequest
        {
            Query = query.GetString(),
            OperationName = operationName.ValueKind == JsonValueKind.String ? operationName.GetString() : null,
            Variables = variables,
            Extensions = extensions,
        }, 0, null, null);
    }

    private (Inputs? Inputs, string? Error) ReadMap(JsonElement value, string name) => value.ValueKind switch
    {
        JsonValueKind.Undefined or JsonValueKind.Null => (null, null),
        JsonValueKind.Object => (executor.Serializer.ReadNode<Inputs>(value), null),
        _ => (null, $"'{name}' must be an object (a map) or null."),
    };

    private static (GraphQLRequest? Request, int Status, string? Code, string? Message) Bad(string message) =>
        (null, StatusCodes.Status400BadRequest, "BAD_REQUEST", message);

    private Task RejectAsync(HttpContext context, int status, string mediaType, string code, string message) =>
        WriteAsync(context, status, mediaType, new ExecutionResult { Errors = [new ExecutionError(message) { Code = code }] });

    private async Task WriteAsync(HttpContext context, int status, string mediaType, ExecutionResult result)
    {
        if (context.Response.HasStarted)
        {
            return;
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = mediaType + "; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        await executor.Serializer.WriteAsync(context.Response.Body, result, context.RequestAborted);
    }
}
