using System.Text.Json;
using ContextHub.Messaging;
using ContextHub.Protocol;
using Microsoft.Net.Http.Headers;

namespace ContextHub.Server.Gateway.StreamableHttp;

/// <summary>
/// The Streamable HTTP binding's header rules: what the client accepts and sends (<c>Accept</c>, <c>Content-Type</c>),
/// the protocol version headers and <c>Mcp-Method</c> / <c>Mcp-Name</c> against the body, and the <c>Mcp-Param-*</c>
/// headers handed to the engine, which checks them against the tool's arguments.
/// </summary>
internal static class StreamableHttpHeaderRules
{
    private static readonly IReadOnlyDictionary<string, string> NoParameterHeaders = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The HTTP rules on protocol versions: a version header the server does not speak is refused; in the stateless
    /// revision the header matches <c>_meta</c>, the body carries its version, and Mcp-Method / Mcp-Name match the body.
    /// </summary>
    public static McpErrorException? CheckVersionHeaders(McpRequest request, IHeaderDictionary headers, string headerVersion)
    {
        var meta = request.GetMeta(McpProtocol.Meta.ProtocolVersion);
        var metaVersion = meta.ValueKind == JsonValueKind.String ? meta.GetString() : null;
        if (request.Session is not null || (metaVersion is null && (headerVersion.Length == 0 || !McpProtocol.IsStateless(headerVersion))))
        {
            return headerVersion.Length > 0 && !McpProtocol.IsSupported(headerVersion) ? MessageManager.UnsupportedVersion(headerVersion) : null;
        }

        if (metaVersion is null)
        {
            return new McpErrorException(McpProtocol.ErrorCodes.InvalidParams,
                $"Invalid params: protocol revision {headerVersion} needs params._meta[\"{McpProtocol.Meta.ProtocolVersion}\"].",
                new System.Text.Json.Nodes.JsonObject { ["path"] = "_meta." + McpProtocol.Meta.ProtocolVersion }) { HttpStatus = 400 };
        }

        if (headerVersion.Length > 0 && headerVersion != metaVersion)
        {
            return McpHeaderValue.Mismatch($"MCP-Protocol-Version header '{headerVersion}' differs from _meta protocol version '{metaVersion}'.");
        }

        if (!McpProtocol.IsSupported(metaVersion))
        {
            return MessageManager.UnsupportedVersion(metaVersion);
        }

        if (request.IsNotification)
        {
            return null;
        }

        var methodHeader = headers[McpProtocol.Headers.Method].ToString();
        if (methodHeader.Length == 0)
        {
            return McpHeaderValue.Mismatch($"The {McpProtocol.Headers.Method} header is required in protocol revision {metaVersion}.");
        }

        if (methodHeader.Trim() != request.Method)
        {
            return McpHeaderValue.Mismatch($"{McpProtocol.Headers.Method} header '{methodHeader}' differs from the body's method '{request.Method}'.");
        }

        var nameField = request.Method switch
        {
            "tools/call" or "prompts/get" => "name",
            "resources/read" => "uri",
            "tasks/get" or "tasks/update" or "tasks/cancel" => "taskId",
            _ => null,
        };
        if (nameField is null)
        {
            return null;
        }

        var nameHeader = headers[McpProtocol.Headers.Name].ToString();
        var bodyName = request.Params.ValueKind == JsonValueKind.Object && request.Params.TryGetProperty(nameField, out var n) && n.ValueKind == JsonValueKind.String
            ? n.GetString()
            : null;
        if (nameHeader.Length == 0)
        {
            return McpHeaderValue.Mismatch($"The {McpProtocol.Headers.Name} header is required for {request.Method} in protocol revision {metaVersion}.");
        }

        return bodyName is not null && McpHeaderValue.Decode(nameHeader.Trim()) != bodyName
            ? McpHeaderValue.Mismatch($"{McpProtocol.Headers.Name} header '{nameHeader}' differs from params.{nameField} '{bodyName}'.")
            : null;
    }

    /// <summary>
    /// The <c>Mcp-Param-*</c> headers of a stateless <c>tools/call</c> (empty when there are none), for the engine to check
    /// against the tool's <c>x-mcp-header</c> arguments; null for every other request, which has nothing to check.
    /// </summary>
    public static IReadOnlyDictionary<string, string>? ParameterHeaders(HttpRequest http, string method, JsonElement parameters, bool hasSession)
    {
        if (hasSession || method != "tools/call" || parameters.ValueKind != JsonValueKind.Object
            || !parameters.TryGetProperty("_meta"u8, out var meta) || meta.ValueKind != JsonValueKind.Object
            || !meta.TryGetProperty(McpProtocol.Meta.ProtocolVersion, out var version) || version.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        Dictionary<string, string>? found = null;
        foreach (var (name, value) in http.Headers)
        {
            if (name.StartsWith(McpRequest.ParameterHeaderPrefix, StringComparison.OrdinalIgnoreCase))
            {
                found ??= new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                found[name[McpRequest.ParameterHeaderPrefix.Length..]] = value.ToString();
            }
        }

        return found ?? NoParameterHeaders;
    }

    /// <summary>What the <c>Accept</c> header allows: a JSON answer, an SSE stream (no header: JSON only).</summary>
    public static (bool Json, bool Sse) ReadAccept(HttpRequest request)
    {
        var accept = request.Headers.Accept;
        if (accept.Count == 0)
        {
            return (true, false);
        }

        bool json = false, sse = false;
        foreach (var value in accept)
        {
            if (value is null)
            {
                continue;
            }

            json |= value.Contains("application/json", StringComparison.OrdinalIgnoreCase) || value.Contains("*/*", StringComparison.Ordinal)
                || value.Contains("application/*", StringComparison.OrdinalIgnoreCase);
            sse |= value.Contains("text/event-stream", StringComparison.OrdinalIgnoreCase) || value.Contains("*/*", StringComparison.Ordinal)
                || value.Contains("text/*", StringComparison.OrdinalIgnoreCase);
        }

        return (json, sse);
    }

    /// <summary>True for <c>application/json</c> and any <c>+json</c> media type.</summary>
    public static bool IsJson(string? contentType) =>
        contentType is not null && MediaTypeHeaderValue.TryParse(contentType, out var media)
        && (media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || media.MediaType.Value?.EndsWith("+json", StringComparison.OrdinalIgnoreCase) == true);
}
