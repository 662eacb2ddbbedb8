using System.Text.Json;
using ContextHub.Messaging;
using ContextHub.Protocol;
using ModelContextProtocol.Protocol;

namespace ContextHub.Server.Gateway.Security;

/// <summary>
/// The Message Manager's authorization step (no door can skip it): a tool, resource, prompt or completion the caller's
/// scopes do not allow is refused with the same "forbidden" whether it exists or not (-32003, HTTP 403 on HTTP doors).
/// </summary>
public sealed partial class AuthorizationFilter(AccessPolicy policy, ILogger<AuthorizationFilter> logger) : IMcpRequestFilter
{
    public ValueTask OnRequestAsync(McpRequest request, CancellationToken cancellationToken)
    {
        var caller = request.Caller;
        var allowed = request.Method switch
        {
            RequestMethods.ToolsCall => Name(request, "name") is not { } tool || policy.CanUseTool(caller, tool),
            RequestMethods.ResourcesRead or RequestMethods.ResourcesSubscribe => Name(request, "uri") is not { } uri || policy.CanReadResource(caller, uri),
            RequestMethods.PromptsGet => Name(request, "name") is not { } prompt || policy.CanUsePrompt(caller, prompt),
            RequestMethods.CompletionComplete => CompletionAllowed(request, caller),
            _ => true,
        };
        if (!allowed)
        {
            LogForbidden(logger, caller.Identity, request.Method);
            throw Forbidden(request.Method);
        }

        return ValueTask.CompletedTask;
    }

    public static McpErrorException Forbidden(string method) =>
        new(McpProtocol.ErrorCodes.Forbidden, $"Forbidden: this caller's scopes do not allow this {method} request.")
        {
            Kind = McpErrorKind.Forbidden,
            HttpStatus = StatusCodes.Status403Forbidden,
        };

    private bool CompletionAllowed(McpRequest request, McpCaller caller)
    {
        if (request.Params.ValueKind != JsonValueKind.Object || !request.Params.TryGetProperty("ref"u8, out var reference)
            || reference.ValueKind != JsonValueKind.Object)
        {
            return true;
        }

        var type = reference.TryGetProperty("type"u8, out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        return type switch
        {
            "ref/prompt" => Text(reference, "name") is not { } name || policy.CanUsePrompt(caller, name),
            "ref/resource" => Text(reference, "uri") is not { } uri || policy.CanReadResource(caller, uri),
            _ => true,
        };
    }

    /// <summary>The string parameter the engine will use; anything else is left for the engine to refuse as invalid.</summary>
    private static string? Name(McpRequest request, string field) =>
        request.Params.ValueKind == JsonValueKind.Object ? Text(request.Params, field) : null;

    private static string? Text(JsonElement element, string field) =>
        element.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    [LoggerMessage(Level = LogLevel.Information, Message = "Forbidden: {Caller} may not {Method}")]
    private static partial void LogForbidden(ILogger logger, string caller, string method);
}
