using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using ModelContextProtocol.Protocol;

namespace ContextHub.Server.Tests.Redis;

/// <summary>What clients see when a replica dies (kill -9) or Redis goes away and comes back, each on a cluster of its own.</summary>
[Collection(RedisCollection.Name)]
public sealed class ReplicaFailureTests
{
    [Fact]
    public async Task A_replica_killed_mid_run_costs_the_client_nothing()
    {
        var cluster = new ScaleOutCluster();
        await cluster.InitializeAsync();
        try
        {
            var (client, seen) = await cluster.ConnectAsync();
            await using (client)
            {
                var sessionId = client.SessionId;
                var uri = "kb://documents/" + await ScaleOutTests.IngestAsync(client, "kill/watched.md", "before the crash");
                var updated = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
                await client.SubscribeToResourceAsync(uri, (notification, _) =>
                {
                    updated.TrySetResult(notification.Uri);
                    return ValueTask.CompletedTask;
                });

                // Kill the replica holding the client's stream: the harder case.
                var victim = cluster.Named(await seen.StreamReplicaAsync(TimeSpan.FromSeconds(10)));
                var survivor = cluster.Replicas.First(r => r != victim);
                victim.Kill();

                for (var i = 0; i < 6; i++)
                {
                    var echo = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = $"after the crash {i}" });
                    Assert.Equal($"echo: after the crash {i}", Assert.IsType<TextContentBlock>(Assert.Single(echo.Content)).Text);
                }

                Assert.Equal(sessionId, client.SessionId);

                // The subscription taken before the crash still holds: the client reopened its stream on the survivor.
                var deadline = DateTime.UtcNow.AddSeconds(15);
                while (!seen.Answers.Any(a => a.Method == "GET" && a.Status == 200 && a.Replica == survivor.Name) && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(50);
                }

                var (direct, _) = await cluster.ConnectAsync(endpoint: survivor.McpEndpoint);
                await using (direct)
                {
                    await ScaleOutTests.IngestAsync(direct, "kill/watched.md", "after the crash");
                }

                Assert.Equal(uri, await updated.Task.WaitAsync(TimeSpan.FromSeconds(10)));
                Assert.Contains("after the crash", await ScaleOutTests.ReadTextAsync(client, uri), StringComparison.Ordinal);
            }
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    [Fact]
    public async Task Redis_stopped_gives_clear_errors_only_where_needed_and_everything_recovers_when_it_returns()
    {
        var cluster = new ScaleOutCluster();
        await cluster.InitializeAsync();
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            var sessionId = await InitializeAsync(http, cluster.Balancer.McpEndpoint);
            using (var before = await ScaleOutTests.PostAsync(http, cluster.Balancer.McpEndpoint, ToolsList, sessionId))
            {
                Assert.Equal(HttpStatusCode.OK, before.StatusCode);
            }

            await cluster.Redis.StopAsync();
            await Task.Delay(ContextHub.Sessions.SessionManager.RecheckAfter); // copies checked a moment ago may serve until then

            // Requests that need Redis: HTTP 503 with a JSON-RPC error naming the setting, at once (no hang), on both replicas.
            foreach (var replica in cluster.Replicas)
            {
                var watch = Stopwatch.StartNew();
                using var during = await ScaleOutTests.PostAsync(http, replica.McpEndpoint, ToolsList, sessionId);
                watch.Stop();
                Assert.Equal(HttpStatusCode.ServiceUnavailable, during.StatusCode);
                Assert.Equal(TimeSpan.FromSeconds(2), during.Headers.RetryAfter?.Delta);
                var error = JsonDocument.Parse(await during.Content.ReadAsStringAsync()).RootElement;
                Assert.Equal(7, error.GetProperty("id").GetInt32());
                Assert.Equal(-32603, error.GetProperty("error").GetProperty("code").GetInt32());
                Assert.Contains("ContextHub:Redis:Configuration", error.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
                Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"the error took {watch.Elapsed}");

                using var initialize = await ScaleOutTests.PostAsync(http, replica.McpEndpoint, Initialize);
                Assert.Equal(HttpStatusCode.ServiceUnavailable, initialize.StatusCode);
            }

            // Requests that need no Redis keep working: the stateless revision and REST.
            for (var i = 0; i < 2; i++)
            {
                using var stateless = await StatelessEchoAsync(http, cluster.Balancer.McpEndpoint, "no redis needed");
                Assert.Equal(HttpStatusCode.OK, stateless.StatusCode);
                Assert.Contains("echo: no redis needed", await stateless.Content.ReadAsStringAsync(), StringComparison.Ordinal);
                using var rest = await http.GetAsync(new Uri(cluster.Balancer.McpEndpoint, "/api/v1/tools"));
                Assert.Equal(HttpStatusCode.OK, rest.StatusCode);
            }

            await cluster.Redis.StartAsync();

            // Recovery without a restart: new sessions work on both replicas within seconds.
            string? fresh = null;
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (fresh is null && DateTime.UtcNow < deadline)
            {
                try
                {
                    fresh = await InitializeAsync(http, cluster.A.McpEndpoint);
                }
                catch (InvalidOperationException)
                {
                    await Task.Delay(200);
                }
            }

            Assert.NotNull(fresh);
            foreach (var replica in cluster.Replicas)
            {
                // Each replica's connection reconnects on its own schedule: give the other one until the same deadline.
                HttpStatusCode status;
                do
                {
                    using var after = await ScaleOutTests.PostAsync(http, replica.McpEndpoint, ToolsList, fresh);
                    status = after.StatusCode;
                    if (status != HttpStatusCode.OK)
                    {
                        await Task.Delay(200);
                    }
                }
                while (status != HttpStatusCode.OK && DateTime.UtcNow < deadline);

                Assert.Equal(HttpStatusCode.OK, status);
            }

            // This Redis keeps nothing on disk, so the session begun before the outage is gone: 404, the client starts anew.
            using (var old = await ScaleOutTests.PostAsync(http, cluster.B.McpEndpoint, ToolsList, sessionId))
            {
                Assert.Equal(HttpStatusCode.NotFound, old.StatusCode);
            }

            // Pub/sub between replicas is back too: a change through B reaches a client whose stream is on A.
            var (client, seen) = await cluster.ConnectAsync(endpoint: cluster.A.McpEndpoint);
            await using (client)
            {
                var uri = "kb://documents/" + await ScaleOutTests.IngestAsync(client, "outage/watched.md", "one");
                var updated = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
                await client.SubscribeToResourceAsync(uri, (n, _) =>
                {
                    updated.TrySetResult(n.Uri);
                    return ValueTask.CompletedTask;
                });
                await seen.StreamReplicaAsync(TimeSpan.FromSeconds(10));
                var (other, _) = await cluster.ConnectAsync(endpoint: cluster.B.McpEndpoint);
                await using (other)
                {
                    await ScaleOutTests.IngestAsync(other, "outage/watched.md", "two");
                }

                Assert.Equal(uri, await updated.Task.WaitAsync(TimeSpan.FromSeconds(10)));
            }
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    private const string ToolsList = """{"jsonrpc":"2.0","id":7,"method":"tools/list"}""";

    private const string Initialize =
        """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}""";

    private static async Task<string> InitializeAsync(HttpClient http, Uri endpoint)
    {
        using var response = await ScaleOutTests.PostAsync(http, endpoint, Initialize);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"initialize got {(int)response.StatusCode}");
        }

        return response.Headers.GetValues("Mcp-Session-Id").Single();
    }

    private static Task<HttpResponseMessage> StatelessEchoAsync(HttpClient http, Uri endpoint, string message)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, endpoint)
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":""" + JsonSerializer.Serialize(message)
                + """},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Accept", "application/json, text/event-stream");
        request.Headers.Add("MCP-Protocol-Version", "2026-07-28");
        request.Headers.Add("Mcp-Method", "tools/call");
        request.Headers.Add("Mcp-Name", "echo");
        return http.SendAsync(request);
    }
}
