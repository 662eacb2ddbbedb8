using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using ContextHub.Server.Tests.Infrastructure;

namespace ContextHub.Server.Tests.GraphQL;

/// <summary>The graphql-transport-ws protocol at /graphql, message by message, and its close codes.</summary>
[Collection(ServerCollection.Name)]
public sealed class GraphQLWebSocketTests(TestServer server)
{
    private Uri Endpoint => new("ws://" + server.BaseAddress.Authority + "/graphql");

    [Fact]
    public async Task Acknowledges_answers_pings_and_runs_queries()
    {
        using var socket = await ConnectAsync();
        await SendAsync(socket, """{"type":"connection_init"}""");
        Assert.Equal("connection_ack", (await ReceiveAsync(socket)).GetProperty("type").GetString());
        await SendAsync(socket, """{"type":"ping"}""");
        Assert.Equal("pong", (await ReceiveAsync(socket)).GetProperty("type").GetString());

        await SendAsync(socket, """{"id":"q1","type":"subscribe","payload":{"query":"{ tool(name: \"echo\") { name } }"}}""");
        var next = await ReceiveAsync(socket);
        var complete = await ReceiveAsync(socket);

        Assert.Equal("next", next.GetProperty("type").GetString());
        Assert.Equal("q1", next.GetProperty("id").GetString());
        Assert.Equal("echo", next.GetProperty("payload").GetProperty("data").GetProperty("tool").GetProperty("name").GetString());
        Assert.Equal("complete", complete.GetProperty("type").GetString());
    }

    [Fact]
    public async Task Validation_errors_come_back_as_an_error_message()
    {
        using var socket = await ConnectAsync();
        await SendAsync(socket, """{"type":"connection_init","payload":{}}""");
        await ReceiveAsync(socket);

        await SendAsync(socket, """{"id":"bad","type":"subscribe","payload":{"query":"subscription { nope }"}}""");
        var error = await ReceiveAsync(socket);

        Assert.Equal("error", error.GetProperty("type").GetString());
        Assert.Equal("bad", error.GetProperty("id").GetString());
        Assert.True(error.GetProperty("payload").GetArrayLength() > 0);
    }

    [Fact]
    public async Task A_client_complete_stops_a_subscription()
    {
        using var socket = await ConnectAsync();
        await SendAsync(socket, """{"type":"connection_init"}""");
        await ReceiveAsync(socket);
        await SendAsync(socket, """{"id":"s1","type":"subscribe","payload":{"query":"subscription { serverEvents { kind } }"}}""");
        await SendAsync(socket, """{"id":"s1","type":"complete"}""");

        // The id is free again: subscribing with it once more is not a 4409.
        await SendAsync(socket, """{"id":"s1","type":"subscribe","payload":{"query":"{ tools { name } }"}}""");
        var next = await ReceiveAsync(socket);
        Assert.Equal("next", next.GetProperty("type").GetString());
    }

    [Theory]
    [InlineData(4401, new[] { """{"id":"1","type":"subscribe","payload":{"query":"{ tools { name } }"}}""" })]
    [InlineData(4429, new[] { """{"type":"connection_init"}""", """{"type":"connection_init"}""" })]
    [InlineData(4400, new[] { "not json" })]
    [InlineData(4400, new[] { """{"type":"connection_init"}""", """{"type":"subscribe","payload":{"query":"{ tools { name } }"}}""" })]
    [InlineData(4400, new[] { """{"type":"what"}""" })]
    [InlineData(4409, new[] { """{"type":"connection_init"}""", """{"id":"x","type":"subscribe","payload":{"query":"subscription { serverEvents { kind } }"}}""", """{"id":"x","type":"subscribe","payload":{"query":"subscription { serverEvents { kind } }"}}""" })]
    public async Task Protocol_violations_close_with_the_protocol_codes(int code, string[] messages)
    {
        using var socket = await ConnectAsync();
        foreach (var message in messages)
        {
            await SendAsync(socket, message);
        }

        Assert.Equal(code, await ReceiveCloseAsync(socket));
    }

    [Fact]
    public async Task Without_the_subprotocol_the_socket_closes_with_4406()
    {
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(Endpoint, CancellationToken.None);

        Assert.Equal(4406, await ReceiveCloseAsync(socket));
    }

    private async Task<ClientWebSocket> ConnectAsync()
    {
        var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("graphql-transport-ws");
        await socket.ConnectAsync(Endpoint, CancellationToken.None);
        Assert.Equal("graphql-transport-ws", socket.SubProtocol);
        return socket;
    }

    private static Task SendAsync(ClientWebSocket socket, string message) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);

    private static async Task<JsonElement> ReceiveAsync(ClientWebSocket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var buffer = new byte[64 * 1024];
        var count = 0;
        while (true)
        {
            var received = await socket.ReceiveAsync(buffer.AsMemory(count), timeout.Token);
            Assert.NotEqual(WebSocketMessageType.Close, received.MessageType);
            count += received.Count;
            if (received.EndOfMessage)
            {
                return JsonDocument.Parse(buffer.AsMemory(0, count)).RootElement;
            }
        }
    }

    private static async Task<int> ReceiveCloseAsync(ClientWebSocket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var received = await socket.ReceiveAsync(buffer.AsMemory(), timeout.Token);
            if (received.MessageType == WebSocketMessageType.Close)
            {
                return (int)socket.CloseStatus!.Value;
            }
        }
    }
}
