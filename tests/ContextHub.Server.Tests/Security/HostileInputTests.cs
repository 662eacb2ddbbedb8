using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using ContextHub.Knowledge;
using ContextHub.Server.KnowledgeBase;
using ContextHub.Server.Tests.Http;
using ContextHub.Server.Tests.Rest;
using Microsoft.Extensions.DependencyInjection;

namespace ContextHub.Server.Tests.Security;

/// <summary>
/// A corpus of hostile and malformed input sent to every door of an authenticated server. For each: the documented
/// error in the door's shape, no 500, no hang, no stack trace or exception name in the answer, and no change of state.
/// </summary>
[Collection(SecureServerCollection.Name)]
public sealed class HostileInputTests(SecureServer server) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(15) };

    private const string Meta = "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\",\"io.modelcontextprotocol/clientCapabilities\":{}}";

    private static readonly string Deep = new string('[', 10_000) + new string(']', 10_000);

    public static TheoryData<string, string, int, int> McpCorpus => new()
    {
        // name, body, HTTP status, JSON-RPC code
        { "broken JSON", "{\"jsonrpc\":\"2.0\",\"id\":1,", 400, -32700 },
        { "not an object", "42", 400, -32600 },
        { "method of the wrong type", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":42}", 400, -32600 },
        { "params as an array", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":[1,2]}", 400, -32600 },
        { "tool name of the wrong type", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":5," + Meta + "}}", 400, -32020 },
        { "deep nesting", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"message\":" + Deep + "}}}", 400, -32700 },
        { "huge number", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"countdown\",\"arguments\":{\"from\":1e400}," + Meta + "}}", 200, 0 },
        { "huge string", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"message\":\"" + new string('x', 100_000) + "\"}}}", 413, -32600 },
        { "traversal out of a resource folder", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/read\",\"params\":{\"uri\":\"res://samples/../../../../etc/passwd\"," + Meta + "}}", 0, 0 },
        { "encoded traversal", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/read\",\"params\":{\"uri\":\"res://samples/%2e%2e%2f%2e%2e%2fetc%2fpasswd\"," + Meta + "}}", 0, 0 },
        { "unknown method", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"admin/shutdown\",\"params\":{" + Meta + "}}", 404, -32601 },
    };

    [Theory]
    [MemberData(nameof(McpCorpus))]
    public async Task Mcp_over_http_answers_each_hostile_body_with_its_documented_error(string name, string body, int status, int code)
    {
        var before = await StateAsync();
        var key = server.NewKey("*");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("Accept", "application/json, text/event-stream");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        var method = JsonRpcMethodOf(body);
        if (method is not null && body.Contains(Meta, StringComparison.Ordinal))
        {
            request.Headers.Add("Mcp-Method", method);
            request.Headers.Add("MCP-Protocol-Version", McpHttpClient.Stateless);
            if (NameOf(body) is { } n)
            {
                request.Headers.Add("Mcp-Name", n);
            }
        }

        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        AssertSafe(name, (int)response.StatusCode, text);
        if (status != 0)
        {
            Assert.True(status == (int)response.StatusCode, $"{name}: expected {status}, got {(int)response.StatusCode}: {Cut(text)}");
        }

        using var answer = JsonDocument.Parse(text);
        if (code != 0)
        {
            Assert.Equal(code, answer.RootElement.GetProperty("error").GetProperty("code").GetInt32());
        }
        else if (name.Contains("traversal", StringComparison.Ordinal))
        {
            // Refused (not found or invalid), never the file.
            Assert.True(answer.RootElement.TryGetProperty("error", out _), $"{name}: {Cut(text)}");
            Assert.DoesNotContain("root:", text, StringComparison.Ordinal);
        }
        else
        {
            Assert.True(answer.RootElement.GetProperty("result").GetProperty("isError").GetBoolean() || answer.RootElement.TryGetProperty("error", out _));
        }

        Assert.Equal(before, await StateAsync());
    }

    [Fact]
    public async Task Invalid_utf8_is_a_parse_error_on_every_http_door()
    {
        var key = server.NewKey("*");
        byte[] Bytes(string prefix, string suffix) => [.. Encoding.UTF8.GetBytes(prefix), 0xff, 0xfe, 0xc3, .. Encoding.UTF8.GetBytes(suffix)];
        foreach (var (path, body, expected) in new[]
        {
            ("/mcp", Bytes("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"x\":\"", "\"}}"), 400),
            ("/api/v1/tools/echo/call", Bytes("{\"message\":\"", "\"}"), 400),
            ("/graphql", Bytes("{\"query\":\"{ tools { name ", "} }\"}"), 400),
        })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
            using var response = await _http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            AssertSafe(path, (int)response.StatusCode, text);
            Assert.True(expected == (int)response.StatusCode, $"{path}: {(int)response.StatusCode} {Cut(text)}");
        }
    }

    public static TheoryData<string, string, string, int, string> RestCorpus => new()
    {
        // name, method + path, body, status, problem type
        { "broken JSON", "POST /api/v1/tools/echo/call", "{\"message\":", 400, "parse-error" },
        { "wrong type", "POST /api/v1/tools/echo/call", "{\"message\":42}", 400, "invalid-params" },
        { "deep nesting", "POST /api/v1/tools/echo/call", "{\"message\":" + Deep + "}", 400, "parse-error" },
        { "huge body", "POST /api/v1/tools/echo/call", "{\"message\":\"" + new string('y', 100_000) + "\"}", 413, "too-large" },
        { "traversal", "GET /api/v1/resources/read?uri=res%3A%2F%2Fsamples%2F..%2F..%2F..%2Fetc%2Fpasswd", "", 0, "" },
        { "huge page cursor", "GET /api/v1/tools?cursor=" + new string('9', 5000), "", 400, "invalid-params" },
        { "key with a control character", "POST /api/v1/keys", "{\"name\":\"a\\u0000b\"}", 400, "invalid-params" },
        { "key with a bad expiry", "POST /api/v1/keys", "{\"name\":\"later\",\"expires\":\"-5d\"}", 400, "invalid-params" },
    };

    [Theory]
    [MemberData(nameof(RestCorpus))]
    public async Task Rest_answers_each_hostile_request_with_its_problem(string name, string target, string body, int status, string type)
    {
        var before = await StateAsync();
        var parts = target.Split(' ', 2);
        using var request = new HttpRequestMessage(new HttpMethod(parts[0]), parts[1]);
        if (body.Length > 0)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", server.NewKey("*"));
        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        AssertSafe(name, (int)response.StatusCode, text);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        if (status != 0)
        {
            Assert.True(status == (int)response.StatusCode, $"{name}: expected {status}, got {(int)response.StatusCode}: {Cut(text)}");
            Assert.Equal(RestClient.ProblemBase + type, JsonDocument.Parse(text).RootElement.GetProperty("type").GetString());
        }
        else
        {
            Assert.InRange((int)response.StatusCode, 400, 499);
            Assert.DoesNotContain("root:", text, StringComparison.Ordinal);
        }

        Assert.Equal(before, await StateAsync());
    }

    [Fact]
    public async Task Template_injection_in_prompt_arguments_stays_text()
    {
        var key = server.NewKey("*");
        const string Injection = "{{ 7 | times: 191 }} {% for i in (1..3) %}LOOP{% endfor %} {% include '/etc/passwd' %}";
        var rest = new RestClient(server.BaseAddress);
        var rendered = await rest.PostJsonAsync("/api/v1/prompts/summarize/render", JsonSerializer.Serialize(new Dictionary<string, string> { ["text"] = Injection }),
            SecureServer.Bearer(key));
        AssertSafe("prompt render", (int)rendered.Status, rendered.Text);
        Assert.Equal(HttpStatusCode.OK, rendered.Status);
        Assert.DoesNotContain("1337", rendered.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("LOOPLOOP", rendered.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("root:", rendered.Text, StringComparison.Ordinal);
        Assert.Contains("times: 191", rendered.Text, StringComparison.Ordinal);
    }

    public static TheoryData<string, string, int> GraphQLCorpus => new()
    {
        { "broken JSON", "{\"query\":", 400 },
        { "query of the wrong type", "{\"query\":5}", 400 },
        { "deep variables", "{\"query\":\"{ tools { name } }\",\"variables\":{\"a\":" + Deep + "}}", 400 },
        { "syntax error", "{\"query\":\"{ tools { name \"}", 200 },
        { "deep selection", "{\"query\":\"{ " + string.Concat(Enumerable.Repeat("a { ", 40)) + string.Concat(Enumerable.Repeat("} ", 40)) + "}\"}", 200 },
        { "huge string", "{\"query\":\"{ tool(name: \\\"" + new string('z', 100_000) + "\\\") { name } }\"}", 413 },
    };

    [Theory]
    [MemberData(nameof(GraphQLCorpus))]
    public async Task Graphql_over_http_answers_each_hostile_body_with_errors(string name, string body, int status)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", server.NewKey("*"));
        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        AssertSafe(name, (int)response.StatusCode, text);
        Assert.True(status == (int)response.StatusCode, $"{name}: expected {status}, got {(int)response.StatusCode}: {Cut(text)}");
        Assert.True(JsonDocument.Parse(text).RootElement.GetProperty("errors").GetArrayLength() > 0);
    }

    [Fact]
    public async Task Mcp_over_websocket_answers_hostile_messages_and_keeps_serving()
    {
        using var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("mcp");
        socket.Options.SetRequestHeader("X-API-Key", server.NewKey("*"));
        await socket.ConnectAsync(new Uri(server.BaseAddress, "/ws").ToWs(), CancellationToken.None);
        var buffer = new byte[1024 * 1024];

        async Task<JsonElement> SendAsync(byte[] message)
        {
            await socket.SendAsync(message, WebSocketMessageType.Text, true, CancellationToken.None);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var received = await socket.ReceiveAsync(buffer, timeout.Token);
            var text = Encoding.UTF8.GetString(buffer, 0, received.Count);
            Assert.True(received.MessageType == WebSocketMessageType.Text && text.Trim().Length > 0, $"{received.MessageType} {socket.CloseStatus} {socket.CloseStatusDescription} '{text}'");
            AssertSafe("websocket", 200, text);
            return JsonDocument.Parse(text).RootElement.Clone();
        }

        Assert.Equal(-32700, (await SendAsync("{\"jsonrpc\":"u8.ToArray())).GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(-32700, (await SendAsync(Encoding.UTF8.GetBytes("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":" + Deep + "}"))).GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(-32600, (await SendAsync("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":[]}"u8.ToArray())).GetProperty("error").GetProperty("code").GetInt32());
        var ok = await SendAsync(Encoding.UTF8.GetBytes("{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"message\":\"still here\"}," + Meta + "}}"));
        Assert.Equal("echo: still here", ok.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());

        // A text frame that is not UTF-8 breaks the WebSocket protocol itself: the socket closes with 1007 (RFC 6455).
        await socket.SendAsync((byte[])[.. "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\""u8.ToArray(), 0xff, 0xfe, .. "\"}"u8.ToArray()], WebSocketMessageType.Text, true, CancellationToken.None);
        using var closing = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            Assert.Equal(WebSocketMessageType.Close, (await socket.ReceiveAsync(buffer, closing.Token)).MessageType);
            Assert.Equal(WebSocketCloseStatus.InvalidPayloadData, socket.CloseStatus);
        }
        catch (WebSocketException)
        {
            // The server sent 1007 and dropped the connection before the client read it.
        }

        // The server goes on serving other connections.
        using var next = new ClientWebSocket();
        next.Options.AddSubProtocol("mcp");
        next.Options.SetRequestHeader("X-API-Key", server.NewKey("*"));
        await next.ConnectAsync(new Uri(server.BaseAddress, "/ws").ToWs(), CancellationToken.None);
        Assert.Equal(WebSocketState.Open, next.State);
    }

    [Fact]
    public async Task Graphql_over_websocket_closes_on_a_hostile_message_with_4400()
    {
        using var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("graphql-transport-ws");
        socket.Options.SetRequestHeader("Authorization", "Bearer " + server.NewKey("*"));
        await socket.ConnectAsync(new Uri(server.BaseAddress, "/graphql").ToWs(), CancellationToken.None);
        await socket.SendAsync("{\"type\":\"connection_init\"}"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        Assert.Contains("connection_ack", Encoding.UTF8.GetString(buffer, 0, (await socket.ReceiveAsync(buffer, timeout.Token)).Count), StringComparison.Ordinal);
        await socket.SendAsync(Encoding.UTF8.GetBytes("{\"type\":\"subscribe\",\"id\":" + Deep + "}"), WebSocketMessageType.Text, true, CancellationToken.None);
        var closed = await socket.ReceiveAsync(buffer, timeout.Token);
        Assert.Equal(WebSocketMessageType.Close, closed.MessageType);
        Assert.Equal(4400, (int?)socket.CloseStatus);
    }

    [Fact]
    public async Task A_smuggled_request_is_a_bad_request_and_the_server_goes_on()
    {
        var key = server.NewKey("*");
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.BaseAddress.Host, server.BaseAddress.Port);
        var stream = tcp.GetStream();
        var smuggled = "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + key + "\r\nContent-Type: application/json\r\n"
            + "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /api/v1/keys HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(smuggled));
        var buffer = new byte[8192];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var read = await stream.ReadAsync(buffer, timeout.Token);
        var answer = Encoding.ASCII.GetString(buffer, 0, read);
        HostileInputTests.AssertSafe("smuggling", 400, answer);
        Assert.StartsWith("HTTP/1.1 400", answer, StringComparison.Ordinal);
        Assert.DoesNotContain("\"name\"", answer, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, (await _http.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/api/v1/tools") { Headers = { { "X-API-Key", key } } })).StatusCode);
    }

    [Fact]
    public async Task Stdio_is_a_trusted_local_process_with_configured_scopes_and_survives_hostile_lines()
    {
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList =
            {
                Path.Combine(AppContext.BaseDirectory, "contexthub.dll"), "--stdio", "--Logging:LogLevel:Default=Warning",
                "--ContextHub:Knowledge:Enabled=false", "--ContextHub:Security:RequireAuthentication=true",
                "--ContextHub:Security:Stdio:Scopes:0=tools:echo",
                "--ContextHub:Security:Authorization:Rules:0:Kind=tool", "--ContextHub:Security:Authorization:Rules:0:Pattern=hash",
                "--ContextHub:Security:Authorization:Rules:0:Scopes:0=tools:hash",
            },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        _ = process.StandardError.ReadToEndAsync();
        var stdin = process.StandardInput.BaseStream;

        async Task<JsonElement> SendAsync(byte[] line)
        {
            await stdin.WriteAsync((byte[])[.. line, (byte)'\n']);
            await stdin.FlushAsync();
            var answer = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30))
                ?? throw new InvalidOperationException("The stdio server ended its output (it crashed or stopped).");
            AssertSafe("stdio", 200, answer);
            return JsonDocument.Parse(answer!).RootElement.Clone();
        }

        try
        {
            Assert.Equal(-32700, (await SendAsync([.. "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\""u8.ToArray(), 0xff, 0xfe, .. "\"}"u8.ToArray()])).GetProperty("error").GetProperty("code").GetInt32());
            Assert.Equal(-32700, (await SendAsync(Encoding.UTF8.GetBytes("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\",\"params\":" + Deep + "}"))).GetProperty("error").GetProperty("code").GetInt32());
            var forbidden = await SendAsync(Encoding.UTF8.GetBytes("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"hash\",\"arguments\":{\"text\":\"a\"}," + Meta + "}}"));
            Assert.Equal(-32003, forbidden.GetProperty("error").GetProperty("code").GetInt32());
            var allowed = await SendAsync(Encoding.UTF8.GetBytes("{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"message\":\"local\"}," + Meta + "}}"));
            Assert.Equal("echo: local", allowed.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());
        }
        finally
        {
            process.StandardInput.Close();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    /// <summary>No 500, no stack trace, no exception type names in what the caller sees.</summary>
    internal static void AssertSafe(string name, int status, string text)
    {
        Assert.True(status < 500, $"{name}: status {status}: {Cut(text)}");
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"System\.[A-Za-z.]*Exception", text);
        Assert.DoesNotContain("StackTrace", text, StringComparison.Ordinal);
    }

    /// <summary>What a hostile request must not change: documents, API keys (other than the ones the test made), sessions.</summary>
    private async Task<string> StateAsync()
    {
        var knowledge = server.Services.GetRequiredService<KnowledgeHost>();
        var service = await knowledge.GetServiceAsync(CancellationToken.None);
        var documents = await service.Store.Metadata.FindDocumentsAsync(null, 10_000, 0, CancellationToken.None);
        var sessions = server.Services.GetRequiredService<ContextHub.Sessions.SessionManager>().Count;
        var tools = server.Services.GetRequiredService<ContextHub.Tools.ToolRegistry>().Count;
        var keys = server.Keys.List().Count(k => !k.Name.StartsWith("key-", StringComparison.Ordinal));
        return $"{documents.Count}/{string.Join(",", documents.Select(d => d.ContentHash).Order())}/{sessions}/{tools}/{keys}";
    }

    private static string? JsonRpcMethodOf(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("method", out var m) && m.ValueKind == JsonValueKind.String
                ? m.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? NameOf(string body)
    {
        using var document = JsonDocument.Parse(body);
        var parameters = document.RootElement.GetProperty("params");
        foreach (var field in new[] { "name", "uri" })
        {
            if (parameters.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String)
            {
                return value.GetString();
            }
        }

        return null;
    }

    private static string Cut(string text) => text.Length > 300 ? text[..300] : text;

    public void Dispose() => _http.Dispose();
}
