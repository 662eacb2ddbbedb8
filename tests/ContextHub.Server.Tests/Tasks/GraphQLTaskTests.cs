using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using ContextHub.Server.Tests.GraphQL;
using ContextHub.Server.Tests.Infrastructure;

namespace ContextHub.Server.Tests.Tasks;

/// <summary>Tasks through GraphQL: callToolAsTask, the task query, cancelTask, and the taskStatus subscription over graphql-transport-ws.</summary>
[Collection(ServerCollection.Name)]
public sealed class GraphQLTaskTests(TestServer server) : IDisposable
{
    private readonly GraphQLHttp _graphql = new(new Uri(server.BaseAddress, "/graphql"));

    [Fact]
    public async Task A_task_is_started_followed_by_subscription_to_its_result_and_read_by_query()
    {
        var started = await _graphql.QueryAsync("""mutation { callToolAsTask(name: "countdown", arguments: {from: 3, intervalMs: 100}) { taskId status ttlMs } }""");
        var taskId = started.GetProperty("data").GetProperty("callToolAsTask").GetProperty("taskId").GetString()!;

        using var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("graphql-transport-ws");
        await socket.ConnectAsync(new Uri($"ws://{server.BaseAddress.Authority}/graphql"), CancellationToken.None);
        await SendAsync(socket, """{"type":"connection_init"}""");
        Assert.Equal("connection_ack", (await ReceiveAsync(socket)).GetProperty("type").GetString());
        await SendAsync(socket, JsonSerializer.Serialize(new
        {
            id = "t1",
            type = "subscribe",
            payload = new { query = $$"""subscription { taskStatus(id: "{{taskId}}") { taskId status result { text } } }""" },
        }));
        var statuses = new List<string>();
        string? text = null;
        while (true)
        {
            var message = await ReceiveAsync(socket);
            if (message.GetProperty("type").GetString() == "complete")
            {
                break;
            }

            var task = message.GetProperty("payload").GetProperty("data").GetProperty("taskStatus");
            statuses.Add(task.GetProperty("status").GetString()!);
            text = task.GetProperty("result").ValueKind == JsonValueKind.Object ? task.GetProperty("result").GetProperty("text").GetString() : text;
        }

        var read = await _graphql.QueryAsync($$"""{ task(id: "{{taskId}}") { status result { text isError } } }""");

        Assert.Equal("working", started.GetProperty("data").GetProperty("callToolAsTask").GetProperty("status").GetString());
        Assert.Equal("completed", statuses[^1]);
        Assert.Equal("Counted down from 3.", text);
        Assert.Equal("completed", read.GetProperty("data").GetProperty("task").GetProperty("status").GetString());
        Assert.Equal("Counted down from 3.", read.GetProperty("data").GetProperty("task").GetProperty("result").GetProperty("text").GetString());
    }

    [Fact]
    public async Task Cancel_mutation_stops_a_task_and_bad_ids_are_errors()
    {
        var started = await _graphql.QueryAsync("""mutation { callToolAsTask(name: "countdown", arguments: {from: 100, intervalMs: 2000}) { taskId } }""");
        var taskId = started.GetProperty("data").GetProperty("callToolAsTask").GetProperty("taskId").GetString()!;

        var cancelled = await _graphql.QueryAsync($$"""mutation { cancelTask(id: "{{taskId}}") { status result { text } } }""");
        var unknown = await _graphql.QueryAsync("""{ task(id: "no-such-task") { status } }""");
        var notATask = await _graphql.QueryAsync("""mutation { callToolAsTask(name: "echo", arguments: {message: "x"}) { taskId } }""");

        Assert.Equal("cancelled", cancelled.GetProperty("data").GetProperty("cancelTask").GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, cancelled.GetProperty("data").GetProperty("cancelTask").GetProperty("result").ValueKind);
        var error = unknown.GetProperty("errors")[0];
        Assert.Equal(-32602, error.GetProperty("extensions").GetProperty("mcpCode").GetInt32());
        Assert.Contains("no-such-task", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("does not run as a task", notATask.GetProperty("errors")[0].GetProperty("message").GetString(), StringComparison.Ordinal);
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

    public void Dispose() => _graphql.Dispose();
}
