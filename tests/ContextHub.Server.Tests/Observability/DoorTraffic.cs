using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ContextHub.Server.Tests.Observability;

/// <summary>Requests through each door of a running gateway, optionally carrying a W3C trace context.</summary>
internal sealed class DoorTraffic(HttpClient http, Uri baseAddress)
{
    public const string StatelessVersion = "2026-07-28";

    /// <summary>A stateless MCP request over HTTP; the trace context goes in the header, in <c>_meta</c>, or nowhere.</summary>
    public async Task<JsonElement> McpHttpAsync(string method, JsonObject parameters, string? headerTraceParent = null, string? metaTraceParent = null,
        string? name = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseAddress, "/mcp"))
        {
            Content = new StringContent(Body(method, parameters, metaTraceParent), Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        request.Headers.Add("Mcp-Method", method);
        request.Headers.Add("MCP-Protocol-Version", StatelessVersion);
        if (name is not null)
        {
            request.Headers.Add("Mcp-Name", name);
        }

        if (headerTraceParent is not null)
        {
            request.Headers.Add("traceparent", headerTraceParent);
        }

        using var response = await http.SendAsync(request);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    /// <summary>A session: initialize, a call, then DELETE (so a session duration is recorded).</summary>
    public async Task McpSessionAsync()
    {
        var endpoint = new Uri(baseAddress, "/mcp");
        using var init = new HttpRequestMessage(HttpMethod.Post, endpoint)
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""",
                Encoding.UTF8, "application/json"),
        };
        init.Headers.Accept.ParseAdd("application/json, text/event-stream");
        using var initialized = await http.SendAsync(init);
        initialized.EnsureSuccessStatusCode();
        var session = initialized.Headers.GetValues("Mcp-Session-Id").Single();

        foreach (var body in new[]
        {
            """{"jsonrpc":"2.0","method":"notifications/initialized"}""",
            """{"jsonrpc":"2.0","id":2,"method":"resources/read","params":{"uri":"res://samples/mcp-cheatsheet.md"}}""",
            """{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"text_stats","arguments":{"text":"one two three"}}}""",
        })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.Accept.ParseAdd("application/json, text/event-stream");
            request.Headers.Add("Mcp-Session-Id", session);
            request.Headers.Add("MCP-Protocol-Version", "2025-11-25");
            using var response = await http.SendAsync(request);
            response.EnsureSuccessStatusCode();
        }

        using var end = new HttpRequestMessage(HttpMethod.Delete, endpoint);
        end.Headers.Add("Mcp-Session-Id", session);
        using var ended = await http.SendAsync(end);
        ended.EnsureSuccessStatusCode();
    }

    /// <summary>One MCP request over a WebSocket (trace context, if any, in <c>_meta</c>: a socket has no headers per message).</summary>
    public async Task<JsonElement> McpWebSocketAsync(string method, JsonObject parameters, string? metaTraceParent = null)
    {
        using var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("mcp");
        await socket.ConnectAsync(new Uri($"ws://{baseAddress.Authority}/ws"), CancellationToken.None);
        await socket.SendAsync(Encoding.UTF8.GetBytes(Body(method, parameters, metaTraceParent)), WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[64 * 1024];
        using var received = new MemoryStream();
        WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(buffer, CancellationToken.None);
            received.Write(buffer, 0, result.Count);
        }
        while (!result.EndOfMessage);

        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        return JsonDocument.Parse(received.ToArray()).RootElement.Clone();
    }

    public async Task<(int Status, JsonElement Body)> RestAsync(HttpMethod method, string path, string? json = null, string? traceParent = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(baseAddress, path));
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        if (traceParent is not null)
        {
            request.Headers.Add("traceparent", traceParent);
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length > 0 ? JsonDocument.Parse(text).RootElement.Clone() : default);
    }

    public async Task<JsonElement> GraphQLAsync(string query, JsonObject? variables = null, string? traceParent = null)
    {
        var payload = new JsonObject { ["query"] = query, ["variables"] = variables ?? new JsonObject() }.ToJsonString();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseAddress, "/graphql")) { Content = new StringContent(payload, Encoding.UTF8) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Accept.ParseAdd("application/graphql-response+json");
        if (traceParent is not null)
        {
            request.Headers.Add("traceparent", traceParent);
        }

        using var response = await http.SendAsync(request);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private static string Body(string method, JsonObject parameters, string? metaTraceParent)
    {
        var meta = new JsonObject
        {
            ["io.modelcontextprotocol/protocolVersion"] = StatelessVersion,
            ["io.modelcontextprotocol/clientCapabilities"] = new JsonObject(),
        };
        if (metaTraceParent is not null)
        {
            meta["traceparent"] = metaTraceParent;
            meta["tracestate"] = "contexthub=test";
        }

        parameters["_meta"] = meta;
        return new JsonObject { ["jsonrpc"] = "2.0", ["id"] = 1, ["method"] = method, ["params"] = parameters }.ToJsonString();
    }
}
