using System.Text.Json;
using System.Text.Json.Nodes;
using ContextHub.Server.Tests.Infrastructure;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace ContextHub.Server.Tests.Tasks;

/// <summary>
/// The official C# SDK client drives tasks over Streamable HTTP: the 2026-07-28 tasks extension (declared in its
/// capabilities) and the 2025-11-25 experimental tasks of a session, each to a result and to cancellation, and the
/// errors the spec names for a bad task id, another caller's task and the result of a cancelled task.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class SdkTaskTests(TestServer server)
{
    private static readonly JsonSerializerOptions Json = McpJsonUtilities.DefaultOptions;

    [Fact]
    public async Task Extension_task_runs_to_its_result_and_to_cancellation()
    {
        await using var client = await ConnectAsync("2026-07-28", withExtension: true);

        var created = await RequestAsync(client, "tools/call", new JsonObject { ["name"] = "countdown", ["arguments"] = new JsonObject { ["from"] = 2, ["intervalMs"] = 50 } });
        Assert.Equal("task", created["resultType"]!.GetValue<string>());
        var taskId = created["taskId"]!.GetValue<string>();
        Assert.True(created["ttlMs"]!.GetValue<long>() > 0);
        var done = await PollAsync(client, taskId);
        Assert.Equal("completed", done["status"]!.GetValue<string>());
        Assert.Equal("Counted down from 2.", done["result"]!["content"]![0]!["text"]!.GetValue<string>());

        var slow = await RequestAsync(client, "tools/call", new JsonObject { ["name"] = "countdown", ["arguments"] = new JsonObject { ["from"] = 100, ["intervalMs"] = 2000 } });
        var slowId = slow["taskId"]!.GetValue<string>();
        var ack = await RequestAsync(client, "tasks/cancel", new JsonObject { ["taskId"] = slowId });
        var cancelled = await PollAsync(client, slowId);
        var again = await RequestAsync(client, "tasks/cancel", new JsonObject { ["taskId"] = slowId });

        Assert.Equal("complete", ack["resultType"]!.GetValue<string>());
        Assert.Null(ack["taskId"]);
        Assert.Equal("cancelled", cancelled["status"]!.GetValue<string>());
        Assert.Null(cancelled["result"]);
        Assert.Equal("complete", again["resultType"]!.GetValue<string>());
    }

    [Fact]
    public async Task Extension_errors_unknown_task_undeclared_client_and_removed_methods()
    {
        await using var client = await ConnectAsync("2026-07-28", withExtension: true);
        await using var plain = await ConnectAsync("2026-07-28", withExtension: false);

        var unknown = await Assert.ThrowsAsync<McpProtocolException>(() => RequestAsync(client, "tasks/get", new JsonObject { ["taskId"] = "no-such-task" }));
        var undeclared = await Assert.ThrowsAnyAsync<McpProtocolException>(() => RequestAsync(plain, "tasks/get", new JsonObject { ["taskId"] = "no-such-task" }));
        var required = await Assert.ThrowsAnyAsync<McpProtocolException>(() => RequestAsync(plain, "tools/call", new JsonObject { ["name"] = "failing_job", ["arguments"] = new JsonObject() }));
        var optional = await RequestAsync(plain, "tools/call", new JsonObject { ["name"] = "countdown", ["arguments"] = new JsonObject { ["from"] = 1, ["intervalMs"] = 0 } });
        // tasks/list is a 2025-11-25 method: unknown in 2026-07-28 (-32601, HTTP 404, which this client reports as an HTTP error).
        var list = await Assert.ThrowsAsync<HttpRequestException>(() => RequestAsync(client, "tasks/list", new JsonObject()));

        Assert.Equal(McpErrorCode.InvalidParams, unknown.ErrorCode);
        Assert.Equal((McpErrorCode)(-32021), undeclared.ErrorCode);
        Assert.Equal((McpErrorCode)(-32021), required.ErrorCode);
        Assert.Equal("complete", optional["resultType"]!.GetValue<string>());
        Assert.Equal("Counted down from 1.", optional["content"]![0]!["text"]!.GetValue<string>());
        Assert.Contains("\"code\":-32601", list.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Session_task_runs_to_its_result_is_listed_and_is_hidden_from_other_sessions()
    {
        await using var client = await ConnectAsync("2025-11-25", withExtension: false);
        await using var other = await ConnectAsync("2025-11-25", withExtension: false);

        var created = await RequestAsync(client, "tools/call", new JsonObject
        {
            ["name"] = "countdown",
            ["arguments"] = new JsonObject { ["from"] = 2, ["intervalMs"] = 50 },
            ["task"] = new JsonObject { ["ttl"] = 60_000 },
        });
        var task = created["task"]!;
        var taskId = task["taskId"]!.GetValue<string>();
        var result = await RequestAsync(client, "tasks/result", new JsonObject { ["taskId"] = taskId });
        var status = await RequestAsync(client, "tasks/get", new JsonObject { ["taskId"] = taskId });
        var listed = await RequestAsync(client, "tasks/list", new JsonObject());
        var hidden = await Assert.ThrowsAsync<McpProtocolException>(() => RequestAsync(other, "tasks/get", new JsonObject { ["taskId"] = taskId }));
        var notCancellable = await Assert.ThrowsAsync<McpProtocolException>(() => RequestAsync(other, "tasks/cancel", new JsonObject { ["taskId"] = taskId }));
        var otherList = await RequestAsync(other, "tasks/list", new JsonObject());

        Assert.Equal("working", task["status"]!.GetValue<string>());
        Assert.Equal(60_000, task["ttl"]!.GetValue<long>());
        Assert.Equal("Counted down from 2.", result["content"]![0]!["text"]!.GetValue<string>());
        Assert.Equal(taskId, result["_meta"]!["io.modelcontextprotocol/related-task"]!["taskId"]!.GetValue<string>());
        Assert.Equal("completed", status["status"]!.GetValue<string>());
        Assert.Contains(listed["tasks"]!.AsArray(), t => t!["taskId"]!.GetValue<string>() == taskId);
        Assert.Equal(McpErrorCode.InvalidParams, hidden.ErrorCode);
        Assert.Equal(McpErrorCode.InvalidParams, notCancellable.ErrorCode);
        Assert.DoesNotContain(otherList["tasks"]!.AsArray(), t => t!["taskId"]!.GetValue<string>() == taskId);
    }

    [Fact]
    public async Task Session_task_cancelled_has_no_result_and_cannot_be_cancelled_again()
    {
        await using var client = await ConnectAsync("2025-11-25", withExtension: false);

        var created = await RequestAsync(client, "tools/call", new JsonObject
        {
            ["name"] = "countdown",
            ["arguments"] = new JsonObject { ["from"] = 100, ["intervalMs"] = 2000 },
            ["task"] = new JsonObject(),
        });
        var taskId = created["task"]!["taskId"]!.GetValue<string>();
        var cancelled = await RequestAsync(client, "tasks/cancel", new JsonObject { ["taskId"] = taskId });
        var noResult = await Assert.ThrowsAsync<McpProtocolException>(() => RequestAsync(client, "tasks/result", new JsonObject { ["taskId"] = taskId }));
        var twice = await Assert.ThrowsAsync<McpProtocolException>(() => RequestAsync(client, "tasks/cancel", new JsonObject { ["taskId"] = taskId }));
        var unknown = await Assert.ThrowsAsync<McpProtocolException>(() => RequestAsync(client, "tasks/result", new JsonObject { ["taskId"] = "no-such-task" }));

        Assert.Equal("cancelled", cancelled["status"]!.GetValue<string>());
        Assert.Equal(McpErrorCode.InvalidParams, noResult.ErrorCode);
        Assert.Contains("cancelled", noResult.Message, StringComparison.Ordinal);
        Assert.Equal(McpErrorCode.InvalidParams, twice.ErrorCode);
        Assert.Equal(McpErrorCode.InvalidParams, unknown.ErrorCode);
    }

    [Fact]
    public async Task Tools_list_says_which_tools_run_as_tasks()
    {
        await using var client = await ConnectAsync("2025-11-25", withExtension: false);

        var tools = await RequestAsync(client, "tools/list", new JsonObject());
        string? Support(string name) => tools["tools"]!.AsArray().Single(t => t!["name"]!.GetValue<string>() == name)!["execution"]?["taskSupport"]?.GetValue<string>();

        Assert.Equal("optional", Support("countdown"));
        Assert.Equal("optional", Support("ingest_many"));
        Assert.Equal("required", Support("failing_job"));
        Assert.Null(Support("echo"));
    }

    private async Task<McpClient> ConnectAsync(string revision, bool withExtension) =>
        await McpClient.CreateAsync(
            new HttpClientTransport(new HttpClientTransportOptions { Endpoint = server.McpEndpoint, TransportMode = HttpTransportMode.StreamableHttp },
                new HttpClient(new TaskRoutingHeaders { InnerHandler = new SocketsHttpHandler() }), ownsHttpClient: true),
            new McpClientOptions
            {
                ProtocolVersion = revision,
                ClientInfo = new() { Name = "contexthub-task-tests", Version = "1.0" },
                Capabilities = withExtension
                    ? new ClientCapabilities { Extensions = new Dictionary<string, object> { ["io.modelcontextprotocol/tasks"] = new JsonObject() } }
                    : null,
            });

    private static async Task<JsonObject> RequestAsync(McpClient client, string method, JsonObject parameters) =>
        await client.SendRequestAsync<JsonObject, JsonObject>(method, parameters, Json, cancellationToken: CancellationToken.None);

    private static async Task<JsonObject> PollAsync(McpClient client, string taskId)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var task = await RequestAsync(client, "tasks/get", new JsonObject { ["taskId"] = taskId });
            if (task["status"]!.GetValue<string>() is "completed" or "failed" or "cancelled")
            {
                return task;
            }

            await Task.Delay(50, timeout.Token);
        }
    }

    /// <summary>
    /// SEP-2663 asks clients to send <c>Mcp-Name: {taskId}</c> on tasks/get, tasks/update and tasks/cancel; the C# SDK
    /// 2.4.0 predates the tasks extension, so the test adds the header the way a tasks-aware client would.
    /// </summary>
    private sealed class TaskRoutingHeaders : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Method == HttpMethod.Post && request.Content is not null)
            {
                var body = JsonNode.Parse(await request.Content.ReadAsStringAsync(cancellationToken));
                if (body?["method"]?.GetValue<string>() is "tasks/get" or "tasks/update" or "tasks/cancel"
                    && body["params"]?["taskId"]?.GetValue<string>() is { } taskId && !request.Headers.Contains("Mcp-Name"))
                {
                    request.Headers.Add("Mcp-Name", taskId);
                }
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }
}
