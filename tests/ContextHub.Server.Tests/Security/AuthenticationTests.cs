using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using ContextHub.Server.Gateway.Security;
using ContextHub.Server.Tests.Http;
using ContextHub.Server.Tests.Rest;

namespace ContextHub.Server.Tests.Security;

/// <summary>Who is calling: API keys and JWTs on every door, the 401 challenge and the protected-resource metadata.</summary>
[Collection(SecureServerCollection.Name)]
public sealed class AuthenticationTests(SecureServer server) : IDisposable
{
    private readonly McpHttpClient _mcp = new(server.McpEndpoint);
    private readonly RestClient _rest = new(server.BaseAddress);

    private const string ListTools = """{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}""";

    private static Action<HttpRequestMessage> Stateless(string method, Action<HttpRequestMessage>? then = null) => r =>
    {
        r.Headers.Add("Mcp-Method", method);
        r.Headers.Add("MCP-Protocol-Version", McpHttpClient.Stateless);
        then?.Invoke(r);
    };

    private static string CallTool(string name, string arguments) =>
        "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"" + name + "\",\"arguments\":" + arguments
        + ",\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\",\"io.modelcontextprotocol/clientCapabilities\":{}}}}";

    private Task<(HttpResponseMessage Response, JsonElement Body)> CallToolAsync(string name, string arguments, Action<HttpRequestMessage>? auth) =>
        _mcp.PostAsync(CallTool(name, arguments), Stateless("tools/call", r =>
        {
            r.Headers.Add("Mcp-Name", name);
            auth?.Invoke(r);
        }));

    [Fact]
    public async Task Without_credentials_every_door_answers_401_with_the_metadata_challenge_in_its_own_shape()
    {
        var (mcp, body) = await _mcp.PostAsync(ListTools, Stateless("tools/list"));
        Assert.Equal(HttpStatusCode.Unauthorized, mcp.StatusCode);
        var challenge = mcp.Headers.WwwAuthenticate.Single();
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Contains("resource_metadata=\"https://contexthub.test/.well-known/oauth-protected-resource\"", challenge.Parameter, StringComparison.Ordinal);
        Assert.Equal(-32001, body.GetProperty("error").GetProperty("code").GetInt32());

        var rest = await _rest.GetAsync("/api/v1/tools");
        rest.AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Single(rest.Headers.WwwAuthenticate);

        var graphql = await _rest.PostJsonAsync("/graphql", """{"query":"{ tools { name } }"}""");
        Assert.Equal(HttpStatusCode.Unauthorized, graphql.Status);
        Assert.Equal("UNAUTHORIZED", graphql.Body.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString());

        using var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("mcp");
        var refused = await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(new Uri(server.BaseAddress, "/ws").ToWs(), CancellationToken.None));
        Assert.Contains("401", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_protected_resource_metadata_names_the_resource_the_issuer_and_the_scopes()
    {
        foreach (var path in new[] { "/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp" })
        {
            var response = await _rest.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.Status);
            Assert.Equal(SecureServer.Resource, response.Body.GetProperty("resource").GetString());
            Assert.Equal([SecureServer.Issuer], response.Body.GetProperty("authorization_servers").EnumerateArray().Select(e => e.GetString()));
            var scopes = response.Body.GetProperty("scopes_supported").EnumerateArray().Select(e => e.GetString()).ToList();
            Assert.Contains("tools:hash", scopes);
            Assert.Contains("kb:write", scopes);
            Assert.Contains(SecureServer.AdminScope, scopes);
            Assert.Equal(["header"], response.Body.GetProperty("bearer_methods_supported").EnumerateArray().Select(e => e.GetString()));
        }
    }

    [Fact]
    public async Task An_api_key_works_as_bearer_and_as_x_api_key_and_the_file_holds_only_its_hash()
    {
        var key = server.NewKey("tools:echo");
        var (byBearer, bearerBody) = await CallToolAsync("echo", """{"message":"hi"}""", SecureServer.Bearer(key));
        Assert.Equal(HttpStatusCode.OK, byBearer.StatusCode);
        Assert.False(bearerBody.GetProperty("result").TryGetProperty("isError", out var isError) && isError.GetBoolean());

        var (byHeader, _) = await CallToolAsync("echo", """{"message":"hi"}""", r => r.Headers.Add("X-API-Key", key));
        Assert.Equal(HttpStatusCode.OK, byHeader.StatusCode);

        var file = await File.ReadAllTextAsync(server.Keys.FilePath);
        Assert.DoesNotContain(key, file, StringComparison.Ordinal);
        Assert.DoesNotContain(key[^43..], file, StringComparison.Ordinal);
        Assert.Contains(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(key))), file, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_revoked_key_is_refused_at_once_and_an_unknown_one_the_same_way()
    {
        var admin = server.NewKey(SecureServer.AdminScope);
        var created = await _rest.PostJsonAsync("/api/v1/keys", """{"name":"short-lived","scopes":["tools:echo"]}""", SecureServer.Bearer(admin));
        Assert.Equal(HttpStatusCode.Created, created.Status);
        var key = created.Body.GetProperty("key").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await CallToolAsync("echo", """{"message":"a"}""", SecureServer.Bearer(key))).Response.StatusCode);

        var listed = await _rest.GetAsync("/api/v1/keys", SecureServer.Bearer(admin));
        Assert.Contains(listed.Body.EnumerateArray(), k => k.GetProperty("name").GetString() == "short-lived");
        Assert.DoesNotContain(key, listed.Text, StringComparison.Ordinal);

        var revoked = await _rest.SendAsync(HttpMethod.Delete, "/api/v1/keys/short-lived", null, SecureServer.Bearer(admin));
        Assert.Equal(HttpStatusCode.NoContent, revoked.Status);

        var (after, body) = await CallToolAsync("echo", """{"message":"a"}""", SecureServer.Bearer(key));
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        Assert.Contains("error=\"invalid_token\"", after.Headers.WwwAuthenticate.Single().Parameter, StringComparison.Ordinal);
        var unknown = key[..^4] + (key[^4..] == "AAAA" ? "BBBB" : "AAAA");
        var (other, otherBody) = await CallToolAsync("echo", """{"message":"a"}""", SecureServer.Bearer(unknown));
        Assert.Equal(HttpStatusCode.Unauthorized, other.StatusCode);
        Assert.Equal(body.GetProperty("error").GetProperty("message").GetString(), otherBody.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task Key_management_needs_the_admin_scope()
    {
        var plain = server.NewKey("tools:echo");
        (await _rest.GetAsync("/api/v1/keys", SecureServer.Bearer(plain))).AssertProblem(HttpStatusCode.Forbidden, "forbidden");
        var create = await _rest.PostJsonAsync("/api/v1/keys", """{"name":"sneaky","scopes":["*"]}""", SecureServer.Bearer(plain));
        create.AssertProblem(HttpStatusCode.Forbidden, "forbidden");
        Assert.DoesNotContain(server.Keys.List(), k => k.Name == "sneaky");
    }

    [Fact]
    public async Task An_expired_key_is_refused_once_the_server_sees_the_file_change()
    {
        // Another process (the command line) writes the file: a store whose clock is two hours behind makes a one-hour key.
        var past = new ApiKeyStore(server.Keys.FilePath, new FixedTime(DateTimeOffset.UtcNow.AddHours(-2)));
        var (key, _) = past.Create("expired-" + Guid.NewGuid().ToString("N")[..6], ["tools:echo"], TimeSpan.FromHours(1));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        HttpStatusCode status;
        do
        {
            status = (await CallToolAsync("echo", "{}", SecureServer.Bearer(key))).Response.StatusCode;
        }
        while (status != HttpStatusCode.Unauthorized && DateTime.UtcNow < deadline);

        Assert.Equal(HttpStatusCode.Unauthorized, status);
    }

    [Fact]
    public async Task The_command_line_prints_a_key_once_lists_it_and_revokes_it()
    {
        var folder = Path.Combine(server.DataFolder, "cli-" + Guid.NewGuid().ToString("N")[..6]);
        var setting = "--ContextHub:Knowledge:DataFolder=" + folder;
        using var output = new StringWriter();
        using var error = new StringWriter();
        Assert.Equal(0, ApiKeyCommand.Run(["create", "ci", "--scope", "tools:echo", "--scope", "kb:read", "--expires", "30d", setting], output, error));
        var key = output.ToString().Trim();
        Assert.StartsWith("chk_", key, StringComparison.Ordinal);
        Assert.Contains("only time", error.ToString(), StringComparison.Ordinal);

        using var listed = new StringWriter();
        Assert.Equal(0, ApiKeyCommand.Run(["list", setting], listed, TextWriter.Null));
        Assert.Contains("ci\t", listed.ToString(), StringComparison.Ordinal);
        Assert.Contains("tools:echo kb:read", listed.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(key, listed.ToString(), StringComparison.Ordinal);

        Assert.Equal(1, ApiKeyCommand.Run(["create", "ci", setting], TextWriter.Null, TextWriter.Null));
        Assert.Equal(2, ApiKeyCommand.Run(["create", setting], TextWriter.Null, TextWriter.Null));
        Assert.Equal(1, ApiKeyCommand.Run(["create", "x", "--expires", "soon", setting], TextWriter.Null, TextWriter.Null));
        Assert.Equal(0, ApiKeyCommand.Run(["revoke", "ci", setting], TextWriter.Null, TextWriter.Null));
        Assert.Equal(1, ApiKeyCommand.Run(["revoke", "ci", setting], TextWriter.Null, TextWriter.Null));
        Assert.Null(new ApiKeyStore(Path.Combine(folder, "apikeys.json"), TimeProvider.System).Validate(key));
    }

    [Fact]
    public async Task A_valid_token_is_the_caller_the_tool_call_record_names()
    {
        var subject = "user-" + Guid.NewGuid().ToString("N")[..8];
        var token = SecureServer.Token(subject, "tools:hash kb:read");
        var (response, body) = await CallToolAsync("hash", """{"text":"abc"}""", SecureServer.Bearer(token));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("ba7816bf", body.GetRawText(), StringComparison.Ordinal);

        var admin = server.NewKey("*");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        string calls;
        do
        {
            // Records are written in the background every half second; a poll a second stays under the per-tool rate limit.
            await Task.Delay(TimeSpan.FromSeconds(1));
            var (_, record) = await CallToolAsync("tool_calls", "{\"caller\":\"" + subject + "@streamablehttp\"}", SecureServer.Bearer(admin));
            calls = record.GetRawText();
        }
        while (!calls.Contains(subject + "@streamablehttp", StringComparison.Ordinal) && DateTime.UtcNow < deadline);

        Assert.Contains(subject + "@streamablehttp", calls, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("expired", "expired")]
    [InlineData("audience", "another audience")]
    [InlineData("issuer", "issuer")]
    [InlineData("signature", "signature")]
    [InlineData("garbage", "malformed")]
    public async Task A_bad_token_is_401_saying_why_without_echoing_it(string what, string reason)
    {
        var token = what switch
        {
            "expired" => SecureServer.Token("late", "tools:echo", TimeSpan.FromMinutes(-1)),
            "audience" => SecureServer.Token("elsewhere", "tools:echo", audience: "https://other.example/mcp"),
            "issuer" => SecureServer.Token("forged", "tools:echo", issuer: "https://evil.example"),
            "signature" => SecureServer.Token("forged", "tools:echo", secret: Encoding.UTF8.GetBytes("another secret of more than thirty-two bytes!!")),
            _ => "not-a-token-at-all",
        };
        var (response, body) = await CallToolAsync("echo", "{}", SecureServer.Bearer(token));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var message = body.GetProperty("error").GetProperty("message").GetString()!;
        Assert.Contains(reason, message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(token, body.GetRawText(), StringComparison.Ordinal);
        Assert.Contains("invalid_token", response.Headers.WwwAuthenticate.Single().Parameter, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_credentials_or_another_scheme_are_refused_as_a_bad_request_for_credentials()
    {
        var key = server.NewKey("tools:echo");
        var (both, _) = await CallToolAsync("echo", "{}", r =>
        {
            r.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
            r.Headers.Add("X-API-Key", key);
        });
        Assert.Equal(HttpStatusCode.Unauthorized, both.StatusCode);
        Assert.Contains("invalid_request", both.Headers.WwwAuthenticate.Single().Parameter, StringComparison.Ordinal);

        var (basic, _) = await CallToolAsync("echo", "{}", r => r.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", "dXNlcjpwYXNz"));
        Assert.Equal(HttpStatusCode.Unauthorized, basic.StatusCode);
    }

    [Fact]
    public async Task A_websocket_client_authenticates_at_the_upgrade()
    {
        using var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("mcp");
        socket.Options.SetRequestHeader("Authorization", "Bearer " + server.NewKey("tools:echo"));
        await socket.ConnectAsync(new Uri(server.BaseAddress, "/ws").ToWs(), CancellationToken.None);
        await socket.SendAsync(Encoding.UTF8.GetBytes(ListTools), WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[64 * 1024];
        var received = await socket.ReceiveAsync(buffer, CancellationToken.None);
        var tools = JsonDocument.Parse(buffer.AsMemory(0, received.Count)).RootElement.GetProperty("result").GetProperty("tools")
            .EnumerateArray().Select(t => t.GetProperty("name").GetString()).ToList();
        Assert.Contains("echo", tools);
        Assert.DoesNotContain("hash", tools);
    }

    [Theory]
    [InlineData("good", null)]
    [InlineData("bad", 4403)]
    [InlineData("none", 4403)]
    public async Task Graphql_over_websocket_authenticates_in_connection_init(string credential, int? closeCode)
    {
        using var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("graphql-transport-ws");
        await socket.ConnectAsync(new Uri(server.BaseAddress, "/graphql").ToWs(), CancellationToken.None);
        var payload = credential switch
        {
            "good" => "{\"Authorization\":\"Bearer " + SecureServer.Token("ws-" + Guid.NewGuid().ToString("N")[..6], "tools:echo") + "\"}",
            "bad" => "{\"Authorization\":\"Bearer chk_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
            _ => "{}",
        };
        await socket.SendAsync(Encoding.UTF8.GetBytes("{\"type\":\"connection_init\",\"payload\":" + payload + "}"), WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[16 * 1024];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var received = await socket.ReceiveAsync(buffer, timeout.Token);
        if (closeCode is null)
        {
            Assert.Contains("connection_ack", Encoding.UTF8.GetString(buffer, 0, received.Count), StringComparison.Ordinal);
            await socket.SendAsync(Encoding.UTF8.GetBytes("""{"type":"subscribe","id":"1","payload":{"query":"{ tools { name } }"}}"""), WebSocketMessageType.Text, true, CancellationToken.None);
            received = await socket.ReceiveAsync(buffer, timeout.Token);
            var text = Encoding.UTF8.GetString(buffer, 0, received.Count);
            Assert.Contains("\"echo\"", text, StringComparison.Ordinal);
            Assert.DoesNotContain("\"hash\"", text, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(WebSocketMessageType.Close, received.MessageType);
            Assert.Equal(closeCode, (int?)socket.CloseStatus);
        }
    }

    public void Dispose()
    {
        _mcp.Dispose();
        _rest.Dispose();
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}

internal static class UriExtensions
{
    public static Uri ToWs(this Uri uri) => new UriBuilder(uri) { Scheme = uri.Scheme == "https" ? "wss" : "ws" }.Uri;
}
