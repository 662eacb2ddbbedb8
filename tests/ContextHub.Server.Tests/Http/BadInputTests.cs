using System.Net;
using System.Text;
using System.Text.Json;
using ContextHub.Server.Tests.Infrastructure;

namespace ContextHub.Server.Tests.Http;

/// <summary>What each bad input gets at the MCP HTTP door: a JSON-RPC error with the right code and status, never a 500 or a hang.</summary>
[Collection(ServerCollection.Name)]
public sealed class BadInputTests(TestServer server) : IDisposable
{
    private readonly McpHttpClient _client = new(server.McpEndpoint);

    [Fact]
    public async Task Malformed_json_gets_parse_error_32700_and_400()
    {
        var (response, body) = await _client.PostAsync("""{"jsonrpc":"2.0","id":1,"method":""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(-32700, ErrorCode(body));
        Assert.Equal(JsonValueKind.Null, body.GetProperty("id").ValueKind);
    }

    [Theory]
    [InlineData("""{"id":1,"method":"ping"}""", "jsonrpc")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":7}""", "method")]
    [InlineData("""{"jsonrpc":"2.0","id":{"x":1},"method":"ping"}""", "id")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/list","params":[1]}""", "params")]
    [InlineData("""[]""", "batch")]
    [InlineData("""42""", "object")]
    public async Task Not_a_valid_request_gets_invalid_request_32600(string body, string mentioned)
    {
        var (response, error) = await _client.PostAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(-32600, ErrorCode(error));
        Assert.Contains(mentioned, error.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_method_gets_method_not_found_32601()
    {
        var (response, body) = await _client.CallStatelessAsync("tools/frobnicate", "{}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(-32601, ErrorCode(body));
        Assert.Equal(1, body.GetProperty("id").GetInt32());
    }

    [Fact]
    public async Task Session_only_methods_are_unknown_without_a_session()
    {
        var (response, body) = await _client.CallStatelessAsync("logging/setLevel", """{"level":"info"}""");
        var (_, ping) = await _client.CallStatelessAsync("ping", "{}");
        var (_, initialize) = await _client.CallStatelessAsync("initialize", """{"protocolVersion":"2026-07-28","capabilities":{},"clientInfo":{"name":"x","version":"1"}}""");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(-32601, ErrorCode(body));
        Assert.Equal(-32601, ErrorCode(ping));
        Assert.Equal(-32601, ErrorCode(initialize));
    }

    [Fact]
    public async Task Bad_params_get_invalid_params_32602_naming_the_path()
    {
        var (_, noName) = await _client.CallStatelessAsync("tools/call", """{"arguments":{}}""", "echo");
        var badArgs = await _client.CallStatelessAsync("tools/call", """{"name":"echo","arguments":{"message":["x"]}}""", "echo");
        var notObject = await _client.CallStatelessAsync("tools/call", """{"name":"echo","arguments":"x"}""", "echo");
        var badCursor = await _client.CallStatelessAsync("tools/list", """{"cursor":"not-a-cursor"}""");

        Assert.Equal(-32602, ErrorCode(noName));
        Assert.Equal("name", noName.GetProperty("error").GetProperty("data").GetProperty("path").GetString());
        // 2026-07-28: arguments that fail the schema are a tool error naming the path; a params shape error stays -32602.
        Assert.True(badArgs.Body.GetProperty("result").GetProperty("isError").GetBoolean());
        Assert.Contains("arguments.message", badArgs.Body.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal(-32602, ErrorCode(notObject.Body));
        Assert.Equal(-32602, ErrorCode(badCursor.Body));
    }

    [Fact]
    public async Task Unknown_tool_resource_and_prompt_get_the_spec_errors()
    {
        var (_, tool) = await _client.CallStatelessAsync("tools/call", """{"name":"nope","arguments":{}}""", "nope");
        var (_, resource) = await _client.CallStatelessAsync("resources/read", """{"uri":"res://samples/nope"}""", "res://samples/nope");
        var (_, prompt) = await _client.CallStatelessAsync("prompts/get", """{"name":"nope"}""", "nope");

        Assert.Equal(-32602, ErrorCode(tool));
        Assert.Equal(-32602, ErrorCode(resource));
        Assert.Equal("res://samples/nope", resource.GetProperty("error").GetProperty("data").GetProperty("uri").GetString());
        Assert.Equal(-32602, ErrorCode(prompt));
    }

    [Fact]
    public async Task Unknown_resource_in_a_session_gets_32002()
    {
        var session = await _client.InitializeAsync();

        var (_, body) = await _client.PostAsync("""{"jsonrpc":"2.0","id":5,"method":"resources/read","params":{"uri":"res://samples/nope"}}""",
            r => r.Headers.Add("Mcp-Session-Id", session));

        Assert.Equal(-32002, ErrorCode(body));
    }

    [Fact]
    public async Task A_body_over_the_limit_gets_413_without_being_read()
    {
        var big = new string('x', 70_000);
        var (declared, body) = await _client.PostAsync($$$"""{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"{{{big}}}"}}""");

        using var chunked = new HttpRequestMessage(HttpMethod.Post, server.McpEndpoint)
        {
            Content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes($$$"""{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"{{{big}}}"}}"""))),
        };
        chunked.Content.Headers.ContentType = new("application/json");
        chunked.Headers.TransferEncodingChunked = true;
        var streamed = await _client.SendAsync(chunked);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, declared.StatusCode);
        Assert.Equal(-32600, ErrorCode(body));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, streamed.StatusCode);
    }

    [Fact]
    public async Task A_foreign_origin_gets_403_and_a_loopback_origin_passes()
    {
        var (foreign, body) = await _client.PostAsync("""{"jsonrpc":"2.0","id":1,"method":"ping"}""", r => r.Headers.Add("Origin", "https://evil.example"));
        var (local, _) = await _client.PostAsync(
            """{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}""",
            r =>
            {
                r.Headers.Add("Origin", "http://localhost:3000");
                r.Headers.Add("Mcp-Method", "tools/list");
            });

        Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);
        Assert.Equal(-32600, ErrorCode(body));
        Assert.Equal(HttpStatusCode.OK, local.StatusCode);
    }

    [Fact]
    public async Task A_foreign_host_header_is_rejected()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, server.McpEndpoint)
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"ping"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Host = "attacker.example";

        var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Session_ids_are_checked()
    {
        var (unknown, unknownBody) = await _client.PostAsync("""{"jsonrpc":"2.0","id":1,"method":"tools/list"}""", r => r.Headers.Add("Mcp-Session-Id", "not-a-session"));
        var (missing, missingBody) = await _client.PostAsync("""{"jsonrpc":"2.0","id":1,"method":"tools/list"}""");

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(-32600, ErrorCode(unknownBody));
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal(-32600, ErrorCode(missingBody));
    }

    [Fact]
    public async Task Deleting_a_session_ends_it()
    {
        var session = await _client.InitializeAsync();
        using var delete = new HttpRequestMessage(HttpMethod.Delete, server.McpEndpoint);
        delete.Headers.Add("Mcp-Session-Id", session);
        using var again = new HttpRequestMessage(HttpMethod.Delete, server.McpEndpoint);
        again.Headers.Add("Mcp-Session-Id", session);

        var deleted = await _client.SendAsync(delete);
        var (after, _) = await _client.PostAsync("""{"jsonrpc":"2.0","id":1,"method":"ping"}""", r => r.Headers.Add("Mcp-Session-Id", session));
        var twice = await _client.SendAsync(again);

        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, after.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, twice.StatusCode);
    }

    [Fact]
    public async Task Unsupported_protocol_versions_are_refused()
    {
        var (header, headerBody) = await _client.PostAsync("""{"jsonrpc":"2.0","id":1,"method":"ping"}""", r => r.Headers.Add("MCP-Protocol-Version", "1999-01-01"));
        var (meta, metaBody) = await _client.PostAsync(
            """{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2030-01-01","io.modelcontextprotocol/clientCapabilities":{}}}}""",
            r => r.Headers.Add("Mcp-Method", "tools/list"));
        var (_, initialized) = await _client.PostAsync(
            """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"1999-01-01","capabilities":{},"clientInfo":{"name":"old","version":"1"}}}""");

        Assert.Equal(HttpStatusCode.BadRequest, header.StatusCode);
        Assert.Equal(-32022, ErrorCode(headerBody));
        Assert.Equal(1, headerBody.GetProperty("id").GetInt32());
        Assert.Equal(HttpStatusCode.BadRequest, meta.StatusCode);
        Assert.Equal(-32022, ErrorCode(metaBody));
        Assert.Equal("2030-01-01", metaBody.GetProperty("error").GetProperty("data").GetProperty("requested").GetString());
        Assert.Contains("2026-07-28", metaBody.GetProperty("error").GetProperty("data").GetProperty("supported").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal("2025-11-25", initialized.GetProperty("result").GetProperty("protocolVersion").GetString());
    }

    [Fact]
    public async Task Stateless_requests_need_matching_method_and_name_headers()
    {
        const string body = """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"x"},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}""";
        var (noMethod, noMethodBody) = await _client.PostAsync(body);
        var (wrongMethod, _) = await _client.PostAsync(body, r => { r.Headers.Add("Mcp-Method", "tools/list"); r.Headers.Add("Mcp-Name", "echo"); });
        var (wrongName, wrongNameBody) = await _client.PostAsync(body, r => { r.Headers.Add("Mcp-Method", "tools/call"); r.Headers.Add("Mcp-Name", "other"); });
        var (right, rightBody) = await _client.PostAsync(body, r => { r.Headers.Add("Mcp-Method", "tools/call"); r.Headers.Add("Mcp-Name", "echo"); });

        Assert.Equal(HttpStatusCode.BadRequest, noMethod.StatusCode);
        Assert.Equal(-32020, ErrorCode(noMethodBody));
        Assert.Equal(HttpStatusCode.BadRequest, wrongMethod.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, wrongName.StatusCode);
        Assert.Equal(-32020, ErrorCode(wrongNameBody));
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.Equal("echo: x", rightBody.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task Wrong_media_types_get_406_and_415()
    {
        var (notAcceptable, _) = await _client.PostAsync("""{"jsonrpc":"2.0","id":1,"method":"ping"}""", accept: "text/html");
        var (unsupported, _) = await _client.PostAsync("""{"jsonrpc":"2.0","id":1,"method":"ping"}""", contentType: "text/plain");

        Assert.Equal(HttpStatusCode.NotAcceptable, notAcceptable.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, unsupported.StatusCode);
    }

    [Fact]
    public async Task Get_without_a_session_is_405_and_with_an_unknown_one_404()
    {
        using var noSession = new HttpRequestMessage(HttpMethod.Get, server.McpEndpoint);
        noSession.Headers.Add("Accept", "text/event-stream");
        using var unknown = new HttpRequestMessage(HttpMethod.Get, server.McpEndpoint);
        unknown.Headers.Add("Accept", "text/event-stream");
        unknown.Headers.Add("Mcp-Session-Id", "nope");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await _client.SendAsync(noSession)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.SendAsync(unknown)).StatusCode);
    }

    [Fact]
    public async Task Notifications_get_202_with_no_body_and_a_response_to_no_awaited_request_gets_400_with_a_json_rpc_error()
    {
        var session = await _client.InitializeAsync();
        var (notification, _) = await _client.PostAsync("""{"jsonrpc":"2.0","method":"notifications/initialized"}""", r => r.Headers.Add("Mcp-Session-Id", session));
        var (response, error) = await _client.PostAsync("""{"jsonrpc":"2.0","id":99,"result":{}}""", r => r.Headers.Add("Mcp-Session-Id", session));

        Assert.Equal(HttpStatusCode.Accepted, notification.StatusCode);
        // The server sent no request 99: the transport's "cannot accept" (400), with a JSON-RPC error that has no id.
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(-32600, ErrorCode(error));
        Assert.Equal(JsonValueKind.Null, error.GetProperty("id").ValueKind);
        Assert.Contains("No request with id 99 awaits an answer", error.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Batches_work_only_in_2025_03_26()
    {
        var old = await _client.InitializeAsync("2025-03-26");
        var current = await _client.InitializeAsync("2025-11-25");
        const string batch = """[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"message":"b"}}}]""";

        var (accepted, answers) = await _client.PostAsync(batch, r => r.Headers.Add("Mcp-Session-Id", old));
        var (refused, error) = await _client.PostAsync(batch, r => r.Headers.Add("Mcp-Session-Id", current));

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(2, answers.GetArrayLength());
        Assert.Equal("echo: b", answers[1].GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal(-32600, ErrorCode(error));
    }

    private static int ErrorCode(JsonElement body) => body.GetProperty("error").GetProperty("code").GetInt32();

    public void Dispose() => _client.Dispose();
}
