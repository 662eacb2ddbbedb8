using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace ContextHub.Server.Tests.Redis;

/// <summary>
/// A 2025-11-25 task that asks its client for input (elicitation, <c>input_required</c>) on two replicas over Redis,
/// behind haproxy with no affinity: the request reaches the client through whichever replica holds its GET stream or
/// its <c>tasks/result</c>, the client's answer reaches the task through any replica, once, and the task ends with the
/// answered value. A second answer and an answer to a request nobody awaits get HTTP 400 with a JSON-RPC error (-32600).
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class TaskInputScaleOutTests(ScaleOutCluster cluster) : IClassFixture<ScaleOutCluster>
{
    [Fact]
    public async Task The_official_client_answers_a_task_asking_through_the_other_replica_and_the_task_completes_with_the_answer()
    {
        var asked = new ConcurrentQueue<string?>();
        var handlers = new McpClientHandlers
        {
            ElicitationHandler = (request, _) =>
            {
                asked.Enqueue(request?.Meta?["io.modelcontextprotocol/related-task"]?["taskId"]?.GetValue<string>());
                return ValueTask.FromResult(new ElicitResult
                {
                    Action = "accept",
                    Content = new Dictionary<string, JsonElement> { ["confirm"] = JsonSerializer.SerializeToElement(true) },
                });
            },
        };
        var (client, seen) = await cluster.ConnectAsync(handlers);
        await using (client)
        {
            var streamReplica = await seen.StreamReplicaAsync(TimeSpan.FromSeconds(10));
            var (ranElsewhere, ranBeside) = (0, 0);
            var taskIds = new List<string>();
            // Round robin decides where each task runs; go on until two ran on the replica without the client's stream
            // and one beside it.
            for (var round = 0; round < 10 && (ranElsewhere < 2 || ranBeside < 1); round++)
            {
                var before = seen.Calls.Count(c => c.RpcMethod == "tools/call");
                var created = await RequestAsync(client, "tools/call", new JsonObject
                {
                    ["name"] = "confirm_delete",
                    ["arguments"] = new JsonObject { ["filename"] = $"notes-{round}.txt" },
                    ["task"] = new JsonObject { ["ttl"] = 60_000 },
                });
                var runner = seen.Calls.Where(c => c.RpcMethod == "tools/call").Skip(before).Single().Replica;
                var taskId = created["task"]!["taskId"]!.GetValue<string>();
                taskIds.Add(taskId);

                // tasks/result through the balancer: the answer it returns is the task's result, whichever replica it reaches.
                var result = await RequestAsync(client, "tasks/result", new JsonObject { ["taskId"] = taskId }).WaitAsync(TimeSpan.FromSeconds(30));
                Assert.Equal($"Deleted notes-{round}.txt.", result["content"]![0]!["text"]!.GetValue<string>());
                Assert.Equal(taskId, result["_meta"]!["io.modelcontextprotocol/related-task"]!["taskId"]!.GetValue<string>());
                foreach (var replica in cluster.Replicas)
                {
                    using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
                    var status = await RpcAsync(http, replica, client.SessionId!, "tasks/get", new JsonObject { ["taskId"] = taskId });
                    Assert.Equal("completed", status.GetProperty("result").GetProperty("status").GetString());
                }

                if (runner != streamReplica)
                {
                    ranElsewhere++;
                }
                else
                {
                    ranBeside++;
                }
            }

            Assert.True(ranElsewhere >= 2 && ranBeside >= 1, $"tasks ran {ranElsewhere} times away from the client's stream ({streamReplica}) and {ranBeside} times beside it: {string.Join(", ", seen.Answers)}");
            // Each task asked once, tied to its task; every request went through the balancer, which used both replicas.
            Assert.Equal(taskIds.Cast<string?>(), asked);
            Assert.Equal(2, seen.Calls.Where(c => c.RpcMethod == "tasks/result").Select(c => c.Replica).Distinct().Count());
            Assert.Equal(taskIds.Count, seen.Calls.Count(c => c.RpcMethod == "response"));
        }
    }

    [Fact]
    public async Task The_TypeScript_client_answers_tasks_asking_through_either_replica_and_they_complete_with_the_answer()
    {
        // tests/js/ts-task-input-scaleout.mjs: confirm_delete as a task until tasks ran on both sides of the client's stream.
        var (exitCode, output, error) = await Infrastructure.NodeTools.RunAsync(Path.Combine(Infrastructure.NodeTools.NodeBin, "node"),
            ["ts-task-input-scaleout.mjs", cluster.Balancer.McpEndpoint.ToString()], TimeSpan.FromMinutes(2));

        Assert.True(exitCode == 0, $"ts-task-input-scaleout.mjs exited {exitCode}: {error}\n{output}");
        var seen = JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement;
        var streamReplica = seen.GetProperty("streamReplica").GetString();
        Assert.NotNull(streamReplica);
        var rounds = seen.GetProperty("rounds").EnumerateArray().ToList();
        Assert.True(rounds.Count(r => r.GetProperty("runner").GetString() != streamReplica) >= 2, $"too few tasks ran away from the stream: {seen}");
        Assert.Contains(rounds, r => r.GetProperty("runner").GetString() == streamReplica);
        for (var i = 0; i < rounds.Count; i++)
        {
            var last = rounds[i].GetProperty("last");
            Assert.True(last.GetProperty("type").GetString() == "result", $"round {i}: {last}");
            Assert.Equal($"Deleted ts-{i}.txt.", last.GetProperty("text").GetString());
        }

        // Each task asked once, tied to it; every answer was accepted (202), whichever replica took it.
        Assert.Equal(rounds.Select(r => r.GetProperty("taskId").GetString()), seen.GetProperty("elicited").EnumerateArray().Select(e => e.GetString()));
        var answers = seen.GetProperty("calls").EnumerateArray().Where(c => c.GetProperty("method").GetString() == "response").ToList();
        Assert.Equal(rounds.Count, answers.Count);
        Assert.All(answers, a => Assert.Equal(202, a.GetProperty("status").GetInt32()));
    }

    [Fact]
    public async Task A_tasks_result_on_the_other_replica_carries_the_request_and_the_answer_is_taken_once()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var (runner, waiter) = (cluster.A, cluster.B);
        var sessionId = await OpenSessionAsync(http, runner);

        var taskId = await StartAskingTaskAsync(http, runner, waiter, sessionId, "plan.txt", ttl: 60_000);

        // No GET stream is open: the request goes out on the tasks/result call, held by the replica that does not run the task.
        using var waiting = await OpenPostAsync(http, waiter.McpEndpoint, Rpc(77, "tasks/result", new JsonObject { ["taskId"] = taskId }), sessionId);
        Assert.Equal("text/event-stream", waiting.Content.Headers.ContentType?.MediaType);
        using var events = new SseReader(await waiting.Content.ReadAsStreamAsync());
        var ask = (await events.NextAsync(TimeSpan.FromSeconds(10)))?.Message ?? throw new InvalidOperationException("tasks/result carried no request");
        Assert.Equal("elicitation/create", ask.GetProperty("method").GetString());
        Assert.Equal(taskId, ask.GetProperty("params").GetProperty("_meta").GetProperty("io.modelcontextprotocol/related-task").GetProperty("taskId").GetString());
        var askId = ask.GetProperty("id").GetInt64();

        // The answer goes to the replica that sent the request (not the one running the task): taken there, handed over once.
        var answer = Answer(askId, confirm: true);
        using (var accepted = await ScaleOutTests.PostAsync(http, waiter.McpEndpoint, answer, sessionId))
        {
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        }

        var end = (await events.NextAsync(TimeSpan.FromSeconds(10)))?.Message ?? throw new InvalidOperationException("tasks/result never ended");
        Assert.Equal(77, end.GetProperty("id").GetInt32());
        Assert.Equal("Deleted plan.txt.", end.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());

        // The same answer again, to either replica, and an answer to an id nobody sent: refused, in JSON-RPC's shape.
        foreach (var (replica, id) in new[] { (runner, askId), (waiter, askId), (runner, 4242L), (waiter, 4242L) })
        {
            using var refused = await ScaleOutTests.PostAsync(http, replica.McpEndpoint,
                Answer(id, confirm: false), sessionId);
            var body = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal(-32600, body.GetProperty("error").GetProperty("code").GetInt32());
            Assert.Contains($"No request with id {id} awaits an answer", body.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.Equal(JsonValueKind.Null, body.GetProperty("id").ValueKind);
        }

        // The task kept the first answer.
        var result = await RpcAsync(http, runner, sessionId, "tasks/result", new JsonObject { ["taskId"] = taskId });
        Assert.Equal("Deleted plan.txt.", result.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task A_request_left_unanswered_when_the_call_carrying_it_ends_goes_out_again_on_the_next_tasks_result()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var (runner, other) = (cluster.A, cluster.B);
        var sessionId = await OpenSessionAsync(http, runner);
        var taskId = await StartAskingTaskAsync(http, runner, other, sessionId, "draft.txt");

        long firstId;
        using (var first = await OpenPostAsync(http, other.McpEndpoint, Rpc(1, "tasks/result", new JsonObject { ["taskId"] = taskId }), sessionId))
        using (var firstEvents = new SseReader(await first.Content.ReadAsStreamAsync()))
        {
            var ask = (await firstEvents.NextAsync(TimeSpan.FromSeconds(10)))?.Message ?? throw new InvalidOperationException("no request");
            firstId = ask.GetProperty("id").GetInt64();
        }

        // The client dropped that call without answering: its next tasks/result (on the running replica) gets the same request.
        using var second = await OpenPostAsync(http, runner.McpEndpoint, Rpc(2, "tasks/result", new JsonObject { ["taskId"] = taskId }), sessionId);
        using var events = new SseReader(await second.Content.ReadAsStreamAsync());
        var again = (await events.NextAsync(TimeSpan.FromSeconds(15)))?.Message ?? throw new InvalidOperationException("the request was not sent again");
        Assert.Equal(firstId, again.GetProperty("id").GetInt64());
        using (var accepted = await ScaleOutTests.PostAsync(http, cluster.Balancer.McpEndpoint,
            Answer(firstId, confirm: false), sessionId))
        {
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        }

        var end = (await events.NextAsync(TimeSpan.FromSeconds(10)))?.Message ?? throw new InvalidOperationException("tasks/result never ended");
        Assert.Equal("Kept draft.txt.", end.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task A_task_whose_replica_dies_while_it_waits_for_the_answer_ends_failed_and_Redis_away_gets_a_clear_error()
    {
        var own = new ScaleOutCluster();
        await own.InitializeAsync();
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
            var (runner, survivor) = (own.A, own.B);
            var sessionId = await OpenSessionAsync(http, survivor);
            var taskId = await StartAskingTaskAsync(http, runner, survivor, sessionId, "lost.txt");

            using var waiting = await OpenPostAsync(http, survivor.McpEndpoint, Rpc(9, "tasks/result", new JsonObject { ["taskId"] = taskId }), sessionId);
            using var events = new SseReader(await waiting.Content.ReadAsStreamAsync());
            var ask = (await events.NextAsync(TimeSpan.FromSeconds(10)))?.Message ?? throw new InvalidOperationException("no request");
            Assert.Equal("elicitation/create", ask.GetProperty("method").GetString());

            runner.Kill();
            var watch = Stopwatch.StartNew();
            var end = (await events.NextAsync(ScaleOutCluster.TaskLease + TimeSpan.FromSeconds(10)))?.Message ?? throw new InvalidOperationException("tasks/result hung");
            watch.Stop();
            Assert.Equal(-32603, end.GetProperty("error").GetProperty("code").GetInt32());
            Assert.Contains("stopped", end.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.True(watch.Elapsed < ScaleOutCluster.TaskLease + TimeSpan.FromSeconds(5), $"failed after {watch.Elapsed}");
            var status = await RpcAsync(http, survivor, sessionId, "tasks/get", new JsonObject { ["taskId"] = taskId });
            Assert.Equal("failed", status.GetProperty("result").GetProperty("status").GetString());

            // A task on the survivor asks; then Redis goes away: the answer and the status get a clear error at once, no hang.
            var nextId = await StartAskingTaskAsync(http, survivor, survivor, sessionId, "later.txt");
            await own.Redis.StopAsync();
            foreach (var body in new[]
            {
                """{"jsonrpc":"2.0","id":123,"result":{"action":"accept","content":{"confirm":true}}}""",
                Rpc(5, "tasks/get", new JsonObject { ["taskId"] = nextId }),
                Rpc(6, "tasks/result", new JsonObject { ["taskId"] = nextId }),
            })
            {
                var timer = Stopwatch.StartNew();
                using var refused = await ScaleOutTests.PostAsync(http, survivor.McpEndpoint, body, sessionId);
                var error = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
                Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
                Assert.Equal(-32603, error.GetProperty("code").GetInt32());
                Assert.Contains("ContextHub:Redis:Configuration", error.GetProperty("message").GetString(), StringComparison.Ordinal);
                Assert.True(timer.Elapsed < TimeSpan.FromSeconds(3), $"answered after {timer.Elapsed}");
            }
        }
        finally
        {
            await own.DisposeAsync();
        }
    }

    /// <summary>A session opened with raw requests (no GET stream), declaring elicitation.</summary>
    private static async Task<string> OpenSessionAsync(HttpClient http, Replica replica)
    {
        using var response = await ScaleOutTests.PostAsync(http, replica.McpEndpoint,
            """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{"elicitation":{}},"clientInfo":{"name":"raw","version":"1"}}}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sessionId = response.Headers.GetValues("Mcp-Session-Id").Single();
        using var initialized = await ScaleOutTests.PostAsync(http, replica.McpEndpoint, """{"jsonrpc":"2.0","method":"notifications/initialized"}""", sessionId);
        Assert.Equal(HttpStatusCode.Accepted, initialized.StatusCode);
        return sessionId;
    }

    /// <summary>
    /// Starts <c>confirm_delete</c> as a task on <paramref name="runner"/> and waits, asking <paramref name="asked"/>, until
    /// it asks for input; returns the task's id.
    /// </summary>
    private static async Task<string> StartAskingTaskAsync(HttpClient http, Replica runner, Replica asked, string sessionId, string filename,
        int? ttl = null)
    {
        var created = await RpcAsync(http, runner, sessionId, "tools/call", new JsonObject
        {
            ["name"] = "confirm_delete",
            ["arguments"] = new JsonObject { ["filename"] = filename },
            ["task"] = ttl is { } ms ? new JsonObject { ["ttl"] = ms } : new JsonObject(),
        });
        var taskId = created.GetProperty("result").GetProperty("task").GetProperty("taskId").GetString()!;
        await WaitForStatusAsync(http, asked, sessionId, taskId, "input_required");
        return taskId;
    }

    private static async Task WaitForStatusAsync(HttpClient http, Replica replica, string sessionId, string taskId, string wanted)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var status = (await RpcAsync(http, replica, sessionId, "tasks/get", new JsonObject { ["taskId"] = taskId })).GetProperty("result").GetProperty("status").GetString();
            if (status == wanted)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"task {taskId} is {status}, not {wanted}");
            await Task.Delay(50);
        }
    }

    /// <summary>The client's answer to elicitation request <paramref name="id"/>.</summary>
    private static string Answer(long id, bool confirm) => new JsonObject
    {
        ["jsonrpc"] = "2.0",
        ["id"] = id,
        ["result"] = new JsonObject { ["action"] = "accept", ["content"] = new JsonObject { ["confirm"] = confirm } },
    }.ToJsonString();

    private static string Rpc(int id, string method, JsonObject parameters) =>
        new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = method, ["params"] = parameters }.ToJsonString();

    /// <summary>A POST whose response is read as it streams (the answer of a <c>tasks/result</c> that carries requests first).</summary>
    private static async Task<HttpResponseMessage> OpenPostAsync(HttpClient http, Uri endpoint, string json, string sessionId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        request.Headers.Add("Mcp-Session-Id", sessionId);
        request.Headers.Add("MCP-Protocol-Version", "2025-11-25");
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response;
    }

    private static async Task<JsonObject> RequestAsync(McpClient client, string method, JsonObject parameters) =>
        await client.SendRequestAsync<JsonObject, JsonObject>(method, parameters, McpJsonUtilities.DefaultOptions, cancellationToken: CancellationToken.None);

    /// <summary>One JSON-RPC request straight to <paramref name="replica"/> in the session; the answer (a JSON body or the SSE event carrying it).</summary>
    private static async Task<JsonElement> RpcAsync(HttpClient http, Replica replica, string sessionId, string method, JsonObject parameters)
    {
        using var response = await ScaleOutTests.PostAsync(http, replica.McpEndpoint, Rpc(41, method, parameters), sessionId);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{method} on {replica.Name}: {(int)response.StatusCode} {text}");
        if (response.Content.Headers.ContentType?.MediaType == "text/event-stream")
        {
            foreach (var line in text.Split('\n'))
            {
                if (line.StartsWith("data:", StringComparison.Ordinal)
                    && JsonDocument.Parse(line[5..]).RootElement is var message
                    && message.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.Number && id.GetInt32() == 41)
                {
                    return message.Clone();
                }
            }

            throw new InvalidOperationException($"{method} on {replica.Name}: no answer in the stream: {text}");
        }

        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
