using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using ContextHub.Messaging;
using ContextHub.Protocol;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace ContextHub.Core.Tests;

/// <summary>
/// <see cref="McpConnection"/> without a door: bytes in, bytes out through the send delegate, as stdio and WebSocket use it.
/// </summary>
public sealed class McpConnectionTests
{
    [Fact]
    public async Task Initialize_makes_the_connection_the_sessions_stream_and_later_requests_run_in_it()
    {
        await using var services = EngineHarness.Build(new FakeTimeProvider());
        await using var client = new Client(services);

        var initialized = await client.RequestAsync(1, "initialize",
            """{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"test","version":"1"}}""");
        await client.NotifyAsync("notifications/initialized", "{}");
        var tools = await client.RequestAsync(2, "tools/list", "{}");

        Assert.Equal("2025-11-25", initialized.GetProperty("result").GetProperty("protocolVersion").GetString());
        Assert.NotNull(client.Connection.Session);
        Assert.Same(client.Connection, client.Connection.Session!.StandaloneChannel);
        Assert.Contains(tools.GetProperty("result").GetProperty("tools").EnumerateArray(), t => t.GetProperty("name").GetString() == "wait_for_gate");
    }

    [Fact]
    public async Task Bad_bytes_bad_json_and_a_bad_message_each_get_a_json_rpc_error_and_the_connection_goes_on()
    {
        await using var services = EngineHarness.Build(new FakeTimeProvider());
        await using var client = new Client(services);

        await client.Connection.ReceiveAsync(new byte[] { 0x7b, 0xff, 0x7d });
        var badUtf8 = await client.NextAsync();
        await client.Connection.ReceiveAsync(Encoding.UTF8.GetBytes("{not json"));
        var badJson = await client.NextAsync();
        await client.Connection.ReceiveAsync(Encoding.UTF8.GetBytes("""{"jsonrpc":"2.0","id":7,"method":42}"""));
        var badMessage = await client.NextAsync();
        var ping = await client.RequestAsync(8, "ping", "{}");

        Assert.Equal(McpProtocol.ErrorCodes.ParseError, badUtf8.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(McpProtocol.ErrorCodes.ParseError, badJson.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(McpProtocol.ErrorCodes.InvalidRequest, badMessage.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(JsonValueKind.Object, ping.GetProperty("result").ValueKind);
    }

    [Fact]
    public async Task Requests_run_concurrently_and_notifications_cancelled_stops_a_running_one()
    {
        await using var services = EngineHarness.Build(new FakeTimeProvider());
        var gate = services.GetRequiredService<EngineHarness.Gate>();
        await using var client = new Client(services);
        await client.RequestAsync(1, "initialize", """{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"test","version":"1"}}""");

        await client.SendAsync(2, "tools/call", """{"name":"wait_for_gate","arguments":{}}""");
        await gate.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var ping = await client.RequestAsync(3, "ping", "{}"); // answered while request 2 still runs
        await client.NotifyAsync("notifications/cancelled", """{"requestId":2}""");
        await client.SendAsync(4, "ping", "{}");
        var before4 = await client.UntilAsync(4);

        Assert.Equal(3, ping.GetProperty("id").GetInt32());
        Assert.False(gate.Release.Task.IsCompleted);
        // The stopped call never delivers the tool's result; at most an error says it was cancelled.
        Assert.DoesNotContain(before4, m => m.TryGetProperty("result", out _) && m.GetProperty("id").GetInt32() == 2);
    }

    /// <summary>A client at the other end of the connection: writes messages in, reads what the server sent.</summary>
    private sealed class Client : IAsyncDisposable
    {
        private readonly Channel<JsonElement> _received = Channel.CreateUnbounded<JsonElement>();

        public Client(IServiceProvider services) =>
            Connection = new McpConnection(services.GetRequiredService<MessageManager>(), new McpCaller(McpTransportKind.Stdio), (message, _) =>
            {
                _received.Writer.TryWrite(JsonDocument.Parse(message).RootElement.Clone());
                return ValueTask.CompletedTask;
            });

        public McpConnection Connection { get; }

        public ValueTask SendAsync(int id, string method, string parameters) =>
            Connection.ReceiveAsync(Encoding.UTF8.GetBytes($$"""{"jsonrpc":"2.0","id":{{id}},"method":"{{method}}","params":{{parameters}}}"""));

        public ValueTask NotifyAsync(string method, string parameters) =>
            Connection.ReceiveAsync(Encoding.UTF8.GetBytes($$"""{"jsonrpc":"2.0","method":"{{method}}","params":{{parameters}}}"""));

        public async Task<JsonElement> RequestAsync(int id, string method, string parameters)
        {
            await SendAsync(id, method, parameters);
            var answer = await NextAsync();
            Assert.Equal(id, answer.GetProperty("id").GetInt32());
            return answer;
        }

        /// <summary>The messages that came before the answer to <paramref name="id"/>.</summary>
        public async Task<List<JsonElement>> UntilAsync(int id)
        {
            var before = new List<JsonElement>();
            while (await NextAsync() is var message && !(message.TryGetProperty("id", out var i) && i.ValueKind == JsonValueKind.Number && i.GetInt32() == id))
            {
                before.Add(message);
            }

            return before;
        }

        public async Task<JsonElement> NextAsync() => await _received.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        public ValueTask DisposeAsync() => Connection.DisposeAsync();
    }
}
