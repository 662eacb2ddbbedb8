using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using ContextHub.Server.Tests.Infrastructure;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace ContextHub.Server.Tests.WebSockets;

/// <summary>MCP over WebSocket at /ws: real clients, and what each bad input gets (a close code with a reason).</summary>
[Collection(ServerCollection.Name)]
public sealed class WebSocketDoorTests(TestServer server)
{
    private Uri WsEndpoint => new($"ws://{server.BaseAddress.Authority}/ws");

    [Fact]
    public async Task The_typescript_sdk_websocket_transport_lists_calls_and_hears_notifications()
    {
        var (exitCode, output, error) = await NodeTools.RunAsync(Path.Combine(NodeTools.NodeBin, "node"),
            ["ts-ws-client.mjs", WsEndpoint.ToString()], TimeSpan.FromMinutes(2));

        Assert.True(exitCode == 0, $"ts-ws-client.mjs exited {exitCode}: {error}\n{output}");
        var seen = JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement;
        Assert.Equal("ContextHub", seen.GetProperty("server").GetProperty("name").GetString());
        Assert.Contains("echo", seen.GetProperty("tools").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal("echo: over websocket", seen.GetProperty("echo").GetString());
        // The server sends 0, 1, 2, then the result (the raw socket test checks that order). This client hands
        // notifications to a later microtask but handles a response at once, so a notification that arrives in the same
        // read as the result is dropped; the script leaves 100 ms between steps so only the last one can be.
        Assert.Equal([0, 1], seen.GetProperty("progress").EnumerateArray().Select(p => p.GetInt32()).Take(2));
        Assert.True(seen.GetProperty("listChangedHeard").GetBoolean(), "tools/list_changed did not reach the WebSocket client");
    }

    [Theory]
    [InlineData("2026-07-28")]
    [InlineData("2025-11-25")]
    public async Task The_csharp_sdk_client_runs_over_a_websocket_stream(string revision)
    {
        using var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("mcp");
        await socket.ConnectAsync(WsEndpoint, CancellationToken.None);
        var stream = WebSocketStream.Create(socket, WebSocketMessageType.Text, ownsWebSocket: false);
        var transport = new StreamClientTransport(stream, stream);
        await using var client = await McpClient.CreateAsync(transport, new McpClientOptions { ProtocolVersion = revision });

        var result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "ws" });
        var prompts = await client.ListPromptsAsync();

        Assert.Equal(revision, client.NegotiatedProtocolVersion);
        Assert.Equal("echo: ws", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
        Assert.Contains(prompts, p => p.Name == "code_review");
    }

    [Fact]
    public async Task Without_the_mcp_subprotocol_the_socket_closes_with_1002_and_a_reason()
    {
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(WsEndpoint, CancellationToken.None);

        var (status, reason) = await ReadCloseAsync(socket);

        Assert.Equal(WebSocketCloseStatus.ProtocolError, status);
        Assert.Contains("'mcp' subprotocol", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_binary_message_closes_with_1003()
    {
        using var socket = await ConnectAsync();

        await socket.SendAsync(new byte[] { 1, 2, 3 }, WebSocketMessageType.Binary, true, CancellationToken.None);
        var (status, reason) = await ReadCloseAsync(socket);

        Assert.Equal(WebSocketCloseStatus.InvalidMessageType, status);
        Assert.Contains("text message", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_message_over_the_limit_closes_with_1009()
    {
        using var socket = await ConnectAsync();
        var big = Encoding.UTF8.GetBytes("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"pad\":\"" + new string('x', 5 * 1024 * 1024) + "\"}}");

        try
        {
            await socket.SendAsync(big, WebSocketMessageType.Text, true, CancellationToken.None);
        }
        catch (WebSocketException)
        {
            // The server may close while the rest is still being sent.
        }

        var (status, reason) = await ReadCloseAsync(socket);

        Assert.Equal(WebSocketCloseStatus.MessageTooBig, status);
        Assert.Contains("MaxMessageBytes", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Malformed_and_invalid_messages_get_errors_and_the_socket_stays_open()
    {
        using var socket = await ConnectAsync();

        var parse = await RoundTripAsync(socket, "{nope");
        var invalid = await RoundTripAsync(socket, """{"jsonrpc":"2.0","id":5,"method":""}""");
        var ok = await RoundTripAsync(socket,
            """{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"echo","arguments":{"message":"after errors"},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}""");

        Assert.Equal(-32700, parse.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(-32600, invalid.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(5, invalid.GetProperty("id").GetInt32());
        Assert.Equal("echo: after errors", ok.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal(WebSocketState.Open, socket.State);
    }

    [Fact]
    public async Task Progress_notifications_come_in_order_before_the_result()
    {
        using var socket = await ConnectAsync();
        await socket.SendAsync(Encoding.UTF8.GetBytes(
            """{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"countdown","arguments":{"from":3,"intervalMs":0},"_meta":{"progressToken":"p","io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}"""),
            WebSocketMessageType.Text, true, CancellationToken.None);

        var messages = new List<JsonElement>();
        while (messages.Count == 0 || !messages[^1].TryGetProperty("id", out _))
        {
            messages.Add(await ReceiveAsync(socket));
        }

        Assert.Equal([0, 1, 2, 3], messages[..^1].Select(m => m.GetProperty("params").GetProperty("progress").GetInt32()));
        Assert.All(messages[..^1], m => Assert.Equal("p", m.GetProperty("params").GetProperty("progressToken").GetString()));
        Assert.Equal("Counted down from 3.", messages[^1].GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Theory]
    [InlineData("2025-03-26", true)]
    [InlineData("2025-11-25", false)]
    public async Task Batches_are_answered_only_in_2025_03_26(string revision, bool allowed)
    {
        using var socket = await ConnectAsync();
        await RoundTripAsync(socket, "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"" + revision
            + "\",\"capabilities\":{},\"clientInfo\":{\"name\":\"batch\",\"version\":\"1\"}}}");

        var answer = await RoundTripAsync(socket,
            """[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","method":"notifications/initialized"},{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"message":"b"}}},{"jsonrpc":"2.0","id":3}]""");

        if (allowed)
        {
            Assert.Equal(3, answer.GetArrayLength()); // ping, echo, and the invalid third message; the notification gets none
            Assert.Equal("echo: b", answer[1].GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());
            Assert.Equal(-32600, answer[2].GetProperty("error").GetProperty("code").GetInt32());
        }
        else
        {
            Assert.Equal(-32600, answer.GetProperty("error").GetProperty("code").GetInt32());
            Assert.Contains("batches", answer.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_plain_http_request_gets_426()
    {
        using var http = new HttpClient();

        var response = await http.GetAsync(new Uri(server.BaseAddress, "/ws"));

        Assert.Equal(HttpStatusCode.UpgradeRequired, response.StatusCode);
    }

    private async Task<ClientWebSocket> ConnectAsync()
    {
        var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("mcp");
        await socket.ConnectAsync(WsEndpoint, CancellationToken.None);
        Assert.Equal("mcp", socket.SubProtocol);
        return socket;
    }

    private static async Task<JsonElement> RoundTripAsync(ClientWebSocket socket, string message)
    {
        await socket.SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text, true, CancellationToken.None);
        return await ReceiveAsync(socket);
    }

    private static async Task<JsonElement> ReceiveAsync(ClientWebSocket socket)
    {
        var buffer = new byte[64 * 1024];
        using var text = new MemoryStream();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        WebSocketReceiveResult received;
        do
        {
            received = await socket.ReceiveAsync(buffer, timeout.Token);
            text.Write(buffer, 0, received.Count);
        }
        while (!received.EndOfMessage);

        return JsonDocument.Parse(text.ToArray()).RootElement.Clone();
    }

    private static async Task<(WebSocketCloseStatus? Status, string Reason)> ReadCloseAsync(ClientWebSocket socket)
    {
        var buffer = new byte[1024];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            var received = await socket.ReceiveAsync(buffer, timeout.Token);
            if (received.MessageType == WebSocketMessageType.Close)
            {
                return (received.CloseStatus, received.CloseStatusDescription ?? "");
            }
        }
    }
}
