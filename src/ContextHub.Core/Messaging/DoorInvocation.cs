using System.Text.Json;
using System.Text.Json.Nodes;
using ContextHub.Protocol;

namespace ContextHub.Messaging;

/// <summary>
/// How a door that does not speak MCP itself (REST, GraphQL) calls the engine: it names the MCP method and its params,
/// and the request goes through the same <see cref="MessageManager"/> pipeline as any MCP request, as a stateless
/// request of the newest revision. There is no second path to a tool.
/// </summary>
public static class DoorInvocation
{
    private static long _nextId;

    /// <summary>
    /// Runs <paramref name="method"/> and hands the result to <paramref name="project"/> while the request is alive
    /// (so the door can write it without copying). Failures come back as <see cref="McpErrorException"/>.
    /// </summary>
    public static async Task<T> InvokeAsync<T>(this MessageManager manager, string method, JsonObject? parameters, McpCaller caller,
        Func<McpResult, T> project, CancellationToken cancellationToken, IMcpChannel? channel = null, JsonObject? clientCapabilities = null,
        McpDoorFeatures doorFeatures = McpDoorFeatures.None)
    {
        var body = parameters?.DeepClone().AsObject() ?? [];
        var meta = body["_meta"] as JsonObject ?? [];
        meta[McpProtocol.Meta.ProtocolVersion] = McpProtocol.Revision20260728;
        meta[McpProtocol.Meta.ClientCapabilities] = clientCapabilities?.DeepClone() ?? new JsonObject();
        body["_meta"] = meta;
        using var document = JsonSerializer.SerializeToDocument(body, CoreJsonContext.Default.JsonObject);
        using var idDocument = JsonDocument.Parse("\"" + caller.Transport.ToString().ToLowerInvariant() + "-" + Interlocked.Increment(ref _nextId) + "\"");
        var request = new McpRequest
        {
            Method = method,
            Id = idDocument.RootElement,
            Params = document.RootElement,
            Caller = caller,
            Channel = channel,
            DoorFeatures = doorFeatures,
        };
        var result = await manager.ProcessAsync(request, cancellationToken);
        return project(result);
    }
}
