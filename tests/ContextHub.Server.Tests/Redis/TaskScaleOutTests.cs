using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Client;

namespace ContextHub.Server.Tests.Redis;

/// <summary>
/// Tasks (2025-11-25 experimental tasks of a session) on two replicas over Redis: the official C# SDK client goes through
/// haproxy; requests sent straight to one replica (same session) pin where a task runs and where it is read, cancelled
/// and waited on.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class TaskScaleOutTests(ScaleOutCluster cluster) : IClassFixture<ScaleOutCluster>
{
    [Fact]
    public async Task A_task_run_by_one_replica_is_read_listed_and_waited_on_through_the_other_and_its_status_reaches_the_client()
    {
        var (client, seen) = await cluster.ConnectAsync();
        await using (client)
        {
            var heard = Listen(client);
            var streamReplica = cluster.Named(await seen.StreamReplicaAsync(TimeSpan.FromSeconds(10)));
            var runner = cluster.Replicas.First(r => r != streamReplica);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };

            // Run on the replica that does NOT hold the client's stream.
            var created = await RpcAsync(http, runner, client.SessionId!, "tools/call",
                new JsonObject { ["name"] = "countdown", ["arguments"] = new JsonObject { ["from"] = 4, ["intervalMs"] = 250 }, ["task"] = new JsonObject { ["ttl"] = 60_000 } });
            var taskId = created.GetProperty("result").GetProperty("task").GetProperty("taskId").GetString()!;

            // Waited on through the other replica, which does not run it.
            var waited = RpcAsync(http, streamReplica, client.SessionId!, "tasks/result", new JsonObject { ["taskId"] = taskId });
            foreach (var replica in cluster.Replicas)
            {
                var status = await RpcAsync(http, replica, client.SessionId!, "tasks/get", new JsonObject { ["taskId"] = taskId });
                Assert.Equal(taskId, status.GetProperty("result").GetProperty("taskId").GetString());
                Assert.Equal(60_000, status.GetProperty("result").GetProperty("ttl").GetInt64());
            }

            var result = await waited.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal("Counted down from 4.", result.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());

            // Through the balancer with the SDK: the result, the status and the list, whichever replica answers.
            for (var i = 0; i < 2; i++)
            {
                var again = await RequestAsync(client, "tasks/result", new JsonObject { ["taskId"] = taskId });
                Assert.Equal("Counted down from 4.", again["content"]![0]!["text"]!.GetValue<string>());
                Assert.Equal("completed", (await RequestAsync(client, "tasks/get", new JsonObject { ["taskId"] = taskId }))["status"]!.GetValue<string>());
                Assert.Contains((await RequestAsync(client, "tasks/list", new JsonObject()))["tasks"]!.AsArray(), t => t!["taskId"]!.GetValue<string>() == taskId);
            }

            // The status notification came on the client's stream, held by the replica that did not run the task.
            await WaitUntilAsync(() => heard.Contains((taskId, "completed")), "notifications/tasks/status completed");

            // Tasks belong to their session: another session is told it does not exist, on either replica.
            var (other, _) = await cluster.ConnectAsync();
            await using (other)
            {
                foreach (var replica in cluster.Replicas)
                {
                    var hidden = await RpcAsync(http, replica, other.SessionId!, "tasks/get", new JsonObject { ["taskId"] = taskId });
                    Assert.Equal(-32602, hidden.GetProperty("error").GetProperty("code").GetInt32());
                    var list = await RpcAsync(http, replica, other.SessionId!, "tasks/list", new JsonObject());
                    Assert.Empty(list.GetProperty("result").GetProperty("tasks").EnumerateArray());
                }
            }
        }
    }

    [Fact]
    public async Task A_task_cancelled_through_the_other_replica_stops_where_it_runs()
    {
        var (client, seen) = await cluster.ConnectAsync();
        await using (client)
        {
            var heard = Listen(client);
            var streamReplica = cluster.Named(await seen.StreamReplicaAsync(TimeSpan.FromSeconds(10)));
            var runner = cluster.Replicas.First(r => r != streamReplica);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };

            var created = await RpcAsync(http, runner, client.SessionId!, "tools/call",
                new JsonObject { ["name"] = "countdown", ["arguments"] = new JsonObject { ["from"] = 100, ["intervalMs"] = 2000 }, ["task"] = new JsonObject() });
            var taskId = created.GetProperty("result").GetProperty("task").GetProperty("taskId").GetString()!;

            // tasks/result on the runner waits for the work itself to end (200 s unless the cancel reaches it).
            var waited = RpcAsync(http, runner, client.SessionId!, "tasks/result", new JsonObject { ["taskId"] = taskId });
            await Task.Delay(500);
            Assert.False(waited.IsCompleted);

            var (other, _) = await cluster.ConnectAsync();
            await using (other)
            {
                var refused = await RpcAsync(http, streamReplica, other.SessionId!, "tasks/cancel", new JsonObject { ["taskId"] = taskId });
                Assert.Equal(-32602, refused.GetProperty("error").GetProperty("code").GetInt32());
            }

            var cancelled = await RpcAsync(http, streamReplica, client.SessionId!, "tasks/cancel", new JsonObject { ["taskId"] = taskId });
            Assert.Equal("cancelled", cancelled.GetProperty("result").GetProperty("status").GetString());

            var watch = Stopwatch.StartNew();
            var ended = await waited.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(-32602, ended.GetProperty("error").GetProperty("code").GetInt32());
            Assert.Contains("cancelled", ended.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"the runner stopped the work after {watch.Elapsed}");

            foreach (var replica in cluster.Replicas)
            {
                var status = await RpcAsync(http, replica, client.SessionId!, "tasks/get", new JsonObject { ["taskId"] = taskId });
                Assert.Equal("cancelled", status.GetProperty("result").GetProperty("status").GetString());
            }

            var twice = await Assert.ThrowsAsync<McpProtocolException>(() => RequestAsync(client, "tasks/cancel", new JsonObject { ["taskId"] = taskId }));
            Assert.Equal(McpErrorCode.InvalidParams, twice.ErrorCode);
            await WaitUntilAsync(() => heard.Contains((taskId, "cancelled")), "notifications/tasks/status cancelled");
        }
    }

    [Fact]
    public async Task A_task_whose_replica_is_killed_ends_failed_with_a_clear_message_and_the_client_hears_it()
    {
        var own = new ScaleOutCluster();
        await own.InitializeAsync();
        try
        {
            var (client, seen) = await own.ConnectAsync();
            await using (client)
            {
                var heard = Listen(client);
                var streamReplica = own.Named(await seen.StreamReplicaAsync(TimeSpan.FromSeconds(10)));
                var runner = own.Replicas.First(r => r != streamReplica);
                using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
                var created = await RpcAsync(http, runner, client.SessionId!, "tools/call",
                    new JsonObject { ["name"] = "countdown", ["arguments"] = new JsonObject { ["from"] = 100, ["intervalMs"] = 2000 }, ["task"] = new JsonObject() });
                var taskId = created.GetProperty("result").GetProperty("task").GetProperty("taskId").GetString()!;
                await Task.Delay(ScaleOutCluster.TaskLease); // renewed meanwhile: still working
                Assert.Equal("working", (await RequestAsync(client, "tasks/get", new JsonObject { ["taskId"] = taskId }))["status"]!.GetValue<string>());

                runner.Kill();
                var watch = Stopwatch.StartNew();

                // tasks/result through the balancer (the survivor) ends once the lease lapses: an error, not a hang.
                var error = await Assert.ThrowsAsync<McpProtocolException>(() =>
                    RequestAsync(client, "tasks/result", new JsonObject { ["taskId"] = taskId }).WaitAsync(TimeSpan.FromSeconds(30)));
                watch.Stop();
                Assert.Equal(McpErrorCode.InternalError, error.ErrorCode);
                Assert.Contains("stopped", error.Message, StringComparison.Ordinal);
                Assert.True(watch.Elapsed < ScaleOutCluster.TaskLease + TimeSpan.FromSeconds(5), $"failed after {watch.Elapsed}");

                var status = await RequestAsync(client, "tasks/get", new JsonObject { ["taskId"] = taskId });
                Assert.Equal("failed", status["status"]!.GetValue<string>());
                Assert.Contains("replica running this task stopped", status["statusMessage"]!.GetValue<string>(), StringComparison.Ordinal);
                await WaitUntilAsync(() => heard.Contains((taskId, "failed")), "notifications/tasks/status failed");
            }
        }
        finally
        {
            await own.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_stateless_task_asking_for_input_is_answered_through_the_replica_that_does_not_run_it()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var (a, b) = (cluster.A, cluster.B);
        var created = await StatelessAsync(http, a, "tools/call", "confirm_delete", new JsonObject { ["name"] = "confirm_delete", ["arguments"] = new JsonObject { ["filename"] = "notes.txt" } });
        Assert.Equal("task", created.GetProperty("result").GetProperty("resultType").GetString());
        var taskId = created.GetProperty("result").GetProperty("taskId").GetString()!;

        JsonElement waiting = default;
        for (var i = 0; i < 200; i++)
        {
            waiting = (await StatelessAsync(http, b, "tasks/get", taskId, new JsonObject { ["taskId"] = taskId })).GetProperty("result");
            if (waiting.GetProperty("status").GetString() == "input_required")
            {
                break;
            }

            await Task.Delay(50);
        }

        Assert.True(waiting.GetProperty("status").GetString() == "input_required", $"the task never asked: {waiting}");
        var key = Assert.Single(waiting.GetProperty("inputRequests").EnumerateObject()).Name;
        var ack = await StatelessAsync(http, b, "tasks/update", taskId, new JsonObject
        {
            ["taskId"] = taskId,
            ["inputResponses"] = new JsonObject { [key] = new JsonObject { ["action"] = "accept", ["content"] = new JsonObject { ["confirm"] = true } } },
        });
        Assert.Equal("complete", ack.GetProperty("result").GetProperty("resultType").GetString());

        JsonElement done = default;
        for (var i = 0; i < 200; i++)
        {
            done = (await StatelessAsync(http, i % 2 == 0 ? a : b, "tasks/get", taskId, new JsonObject { ["taskId"] = taskId })).GetProperty("result");
            if (done.GetProperty("status").GetString() is "completed" or "failed" or "cancelled")
            {
                break;
            }

            await Task.Delay(50);
        }

        Assert.Equal("completed", done.GetProperty("status").GetString());
        Assert.Equal("Deleted notes.txt.", done.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());
    }

    /// <summary>A stateless (2026-07-28) request declaring the tasks extension, straight to <paramref name="replica"/>.</summary>
    private static async Task<JsonElement> StatelessAsync(HttpClient http, Replica replica, string method, string name, JsonObject parameters)
    {
        parameters["_meta"] = new JsonObject
        {
            ["io.modelcontextprotocol/protocolVersion"] = "2026-07-28",
            ["io.modelcontextprotocol/clientCapabilities"] = new JsonObject
            {
                ["elicitation"] = new JsonObject(),
                ["extensions"] = new JsonObject { ["io.modelcontextprotocol/tasks"] = new JsonObject() },
            },
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, replica.McpEndpoint)
        {
            Content = new StringContent(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = 5, ["method"] = method, ["params"] = parameters }.ToJsonString(), System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Accept", "application/json, text/event-stream");
        request.Headers.Add("MCP-Protocol-Version", "2026-07-28");
        request.Headers.Add("Mcp-Method", method);
        request.Headers.Add("Mcp-Name", name);
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{method} on {replica.Name}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static ConcurrentBag<(string TaskId, string Status)> Listen(McpClient client)
    {
        var heard = new ConcurrentBag<(string, string)>();
        _ = client.RegisterNotificationHandler("notifications/tasks/status", (notification, _) =>
        {
            if (notification.Params is JsonObject p)
            {
                heard.Add((p["taskId"]!.GetValue<string>(), p["status"]!.GetValue<string>()));
            }

            return ValueTask.CompletedTask;
        });
        return heard;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"the client never heard {what}");
            await Task.Delay(50);
        }
    }

    private static async Task<JsonObject> RequestAsync(McpClient client, string method, JsonObject parameters) =>
        await client.SendRequestAsync<JsonObject, JsonObject>(method, parameters, McpJsonUtilities.DefaultOptions, cancellationToken: CancellationToken.None);

    /// <summary>One JSON-RPC request straight to <paramref name="replica"/> in the session; the answer (a JSON body or the SSE event carrying it).</summary>
    private static async Task<JsonElement> RpcAsync(HttpClient http, Replica replica, string sessionId, string method, JsonObject parameters)
    {
        var body = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = 41, ["method"] = method, ["params"] = parameters }.ToJsonString();
        using var response = await ScaleOutTests.PostAsync(http, replica.McpEndpoint, body, sessionId);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{method} on {replica.Name}: {(int)response.StatusCode} {text}");
        if (response.Content.Headers.ContentType?.MediaType == "text/event-stream")
        {
            foreach (var line in text.Split('\n'))
            {
                if (line.StartsWith("data:", StringComparison.Ordinal))
                {
                    var message = JsonDocument.Parse(line[5..]).RootElement;
                    if (message.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.Number && id.GetInt32() == 41)
                    {
                        return message.Clone();
                    }
                }
            }

            throw new InvalidOperationException($"{method} on {replica.Name}: no answer in the stream: {text}");
        }

        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
