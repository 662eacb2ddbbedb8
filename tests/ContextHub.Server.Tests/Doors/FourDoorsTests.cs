using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ContextHub.Server.Tests.Infrastructure;

namespace ContextHub.Server.Tests.Doors;

/// <summary>
/// One behaviour, four doors: the same tool call, resource read and prompt render through MCP over HTTP, MCP over
/// WebSocket, REST and GraphQL give the same content; the same bad input gets the same meaning, each in its door's shape.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class FourDoorsTests(TestServer server) : IDisposable
{
    public static TheoryData<string> Doors => ["mcp-http", "mcp-ws", "rest", "graphql"];

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    [Theory]
    [MemberData(nameof(Doors))]
    public async Task A_tool_call_gives_the_same_text(string door) =>
        Assert.Equal(new Outcome("ok", "echo: same everywhere"), await CallToolAsync(door, "echo", """{"message":"same everywhere"}"""));

    [Theory]
    [MemberData(nameof(Doors))]
    public async Task A_resource_read_gives_the_same_text(string door)
    {
        var outcome = await ReadResourceAsync(door, "res://samples/mcp-cheatsheet.md");

        Assert.Equal("ok", outcome.Meaning);
        Assert.StartsWith("# MCP cheat sheet", outcome.Text, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Doors))]
    public async Task A_prompt_render_gives_the_same_text(string door)
    {
        var outcome = await RenderPromptAsync(door, "explain_error", """{"error":"NullReferenceException"}""");

        Assert.Equal("ok", outcome.Meaning);
        Assert.Contains("NullReferenceException", outcome.Text, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Doors))]
    public async Task An_unknown_tool_means_not_found(string door) =>
        Assert.Equal(new Outcome("not-found", null, "name"), await CallToolAsync(door, "no_such_tool", "{}"));

    [Theory]
    [MemberData(nameof(Doors))]
    public async Task Arguments_that_fail_the_schema_mean_invalid_params_at_the_path(string door) =>
        Assert.Equal(new Outcome("invalid-params", null, "arguments.message"), await CallToolAsync(door, "echo", """{"message":42}"""));

    [Theory]
    [MemberData(nameof(Doors))]
    public async Task An_oversized_body_means_too_large(string door)
    {
        // Just over each door's limit (HTTP bodies: 64 KiB in the test server; WebSocket messages: 4 MiB by default),
        // so the client finishes sending before the server refuses.
        var size = door == "mcp-ws" ? 4 * 1024 * 1024 + 1024 : 80 * 1024;

        Assert.Equal("too-large", (await CallToolAsync(door, "echo", $"{{\"message\":\"{new string('x', size)}\"}}")).Meaning);
    }

    // ---- the doors ------------------------------------------------------------------------------------------------

    private Task<Outcome> CallToolAsync(string door, string name, string arguments) => door switch
    {
        "mcp-http" or "mcp-ws" => McpAsync(door, "tools/call", $"{{\"name\":\"{name}\",\"arguments\":{arguments}}}", name, ContentText),
        "rest" => RestAsync(HttpMethod.Post, $"/api/v1/tools/{name}/call", arguments, ContentText),
        _ => GraphQLAsync("mutation($n: String!, $a: JSON) { callTool(name: $n, arguments: $a) { content } }",
            new JsonObject { ["n"] = name, ["a"] = JsonNode.Parse(arguments) }, d => ContentText(d.GetProperty("callTool"))),
    };

    private Task<Outcome> ReadResourceAsync(string door, string uri) => door switch
    {
        "mcp-http" or "mcp-ws" => McpAsync(door, "resources/read", $"{{\"uri\":\"{uri}\"}}", uri, r => r.GetProperty("contents")[0].GetProperty("text").GetString()),
        "rest" => RestAsync(HttpMethod.Get, "/api/v1/resources/read?uri=" + Uri.EscapeDataString(uri), null, r => r.GetProperty("contents")[0].GetProperty("text").GetString()),
        _ => GraphQLAsync("mutation($u: String!) { readResource(uri: $u) { contents { text } } }", new JsonObject { ["u"] = uri },
            d => d.GetProperty("readResource").GetProperty("contents")[0].GetProperty("text").GetString()),
    };

    private Task<Outcome> RenderPromptAsync(string door, string name, string arguments) => door switch
    {
        "mcp-http" or "mcp-ws" => McpAsync(door, "prompts/get", $"{{\"name\":\"{name}\",\"arguments\":{arguments}}}", name,
            r => r.GetProperty("messages")[0].GetProperty("content").GetProperty("text").GetString()),
        "rest" => RestAsync(HttpMethod.Post, $"/api/v1/prompts/{name}/render", arguments,
            r => r.GetProperty("messages")[0].GetProperty("content").GetProperty("text").GetString()),
        _ => GraphQLAsync("mutation($n: String!, $a: JSON) { renderPrompt(name: $n, arguments: $a) { messages { text } } }",
            new JsonObject { ["n"] = name, ["a"] = JsonNode.Parse(arguments) },
            d => d.GetProperty("renderPrompt").GetProperty("messages")[0].GetProperty("text").GetString()),
    };

    /// <summary>MCP: a JSON-RPC result, or an error whose code and data.path carry the meaning.</summary>
    private async Task<Outcome> McpAsync(string door, string method, string parameters, string name, Func<JsonElement, string?> text)
    {
        var node = JsonNode.Parse(parameters)!.AsObject();
        node["_meta"] = new JsonObject
        {
            ["io.modelcontextprotocol/protocolVersion"] = "2026-07-28",
            ["io.modelcontextprotocol/clientCapabilities"] = new JsonObject(),
        };
        var body = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = 1, ["method"] = method, ["params"] = node }.ToJsonString();
        JsonElement answer;
        if (door == "mcp-http")
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, server.McpEndpoint) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.Accept.ParseAdd("application/json, text/event-stream");
            request.Headers.Add("Mcp-Method", method);
            request.Headers.TryAddWithoutValidation("Mcp-Name", name.Length > 1000 ? "x" : name);
            using var response = await _http.SendAsync(request);
            if (response.StatusCode == HttpStatusCode.RequestEntityTooLarge)
            {
                return new Outcome("too-large", null);
            }

            answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        }
        else
        {
            using var socket = new ClientWebSocket();
            socket.Options.AddSubProtocol("mcp");
            await socket.ConnectAsync(new Uri($"ws://{server.BaseAddress.Authority}/ws"), CancellationToken.None);
            try
            {
                await socket.SendAsync(Encoding.UTF8.GetBytes(body), WebSocketMessageType.Text, true, CancellationToken.None);
            }
            catch (WebSocketException)
            {
                // The server may close before the whole message is out.
            }

            var (message, close) = await ReceiveAsync(socket);
            if (close == WebSocketCloseStatus.MessageTooBig)
            {
                return new Outcome("too-large", null);
            }

            answer = JsonDocument.Parse(message!).RootElement;
        }

        if (answer.TryGetProperty("result", out var result))
        {
            // From 2025-11-25 arguments that fail the schema are a tool error that names the path in its text.
            if (result.TryGetProperty("isError", out var isError) && isError.GetBoolean()
                && System.Text.RegularExpressions.Regex.Match(result.GetProperty("content")[0].GetProperty("text").GetString()!, "^Invalid params at '([^']+)'") is { Success: true } invalid)
            {
                return new Outcome("invalid-params", null, invalid.Groups[1].Value);
            }

            return new Outcome("ok", text(result));
        }

        var error = answer.GetProperty("error");
        var path = error.TryGetProperty("data", out var data) && data.TryGetProperty("path", out var p) ? p.GetString() : null;
        var meaning = error.GetProperty("code").GetInt32() switch
        {
            -32602 when path is "name" or "uri" => "not-found",
            -32002 => "not-found",
            -32602 => "invalid-params",
            var code => $"mcp-{code}",
        };
        return new Outcome(meaning, null, path);
    }

    /// <summary>REST: a 2xx body, or a problem whose status and type carry the meaning.</summary>
    private async Task<Outcome> RestAsync(HttpMethod method, string path, string? json, Func<JsonElement, string?> text)
    {
        using var request = new HttpRequestMessage(method, new Uri(server.BaseAddress, path));
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        using var response = await _http.SendAsync(request);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        if (response.IsSuccessStatusCode)
        {
            return new Outcome("ok", text(body));
        }

        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var type = body.GetProperty("type").GetString()!;
        var meaning = type[(type.LastIndexOf('/') + 1)..];
        Assert.Equal(meaning switch { "not-found" => 404, "invalid-params" => 400, "too-large" => 413, _ => (int)response.StatusCode }, (int)response.StatusCode);
        return new Outcome(meaning, null, body.TryGetProperty("path", out var p) ? p.GetString() : null);
    }

    /// <summary>GraphQL: data, or errors whose extensions.code carries the meaning (HTTP-level refusals keep their status).</summary>
    private async Task<Outcome> GraphQLAsync(string query, JsonObject variables, Func<JsonElement, string?> text)
    {
        var payload = new JsonObject { ["query"] = query, ["variables"] = variables }.ToJsonString();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server.BaseAddress, "/graphql")) { Content = new StringContent(payload, Encoding.UTF8) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Accept.ParseAdd("application/graphql-response+json");
        using var response = await _http.SendAsync(request);
        if (response.StatusCode == HttpStatusCode.RequestEntityTooLarge)
        {
            return new Outcome("too-large", null);
        }

        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        if (body.TryGetProperty("errors", out var errors) && errors.GetArrayLength() > 0)
        {
            var extensions = errors[0].GetProperty("extensions");
            var meaning = extensions.GetProperty("code").GetString()!.ToLowerInvariant().Replace('_', '-');
            return new Outcome(meaning, null, extensions.TryGetProperty("path", out var p) ? p.GetString() : null);
        }

        return new Outcome("ok", text(body.GetProperty("data")));
    }

    private static string? ContentText(JsonElement result) => result.GetProperty("content")[0].GetProperty("text").GetString();

    private static async Task<(string? Message, WebSocketCloseStatus? Close)> ReceiveAsync(ClientWebSocket socket)
    {
        var buffer = new byte[1 << 20];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var text = new MemoryStream();
        while (true)
        {
            var received = await socket.ReceiveAsync(buffer, timeout.Token);
            if (received.MessageType == WebSocketMessageType.Close)
            {
                return (null, received.CloseStatus);
            }

            text.Write(buffer, 0, received.Count);
            if (received.EndOfMessage)
            {
                return (Encoding.UTF8.GetString(text.ToArray()), null);
            }
        }
    }

    public void Dispose() => _http.Dispose();

    public sealed record Outcome(string Meaning, string? Text, string? Path = null);
}
