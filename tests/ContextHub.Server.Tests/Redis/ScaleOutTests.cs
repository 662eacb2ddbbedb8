using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ContextHub.Server.Tests.Infrastructure;
using ContextHub.Server.Tests.SdkClient;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace ContextHub.Server.Tests.Redis;

/// <summary>
/// Two replicas over a real Redis behind a real haproxy (round robin, no affinity), driven by the official C# SDK client
/// with a session (2025-11-25): every request may land on either replica and everything works.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class ScaleOutTests(ScaleOutCluster cluster) : IClassFixture<ScaleOutCluster>
{
    [Fact]
    public async Task A_session_continues_on_every_replica_and_hears_changes_made_through_the_other()
    {
        var (client, seen) = await cluster.ConnectAsync();
        await using (client)
        {
            Assert.Equal("2025-11-25", client.NegotiatedProtocolVersion);
            for (var i = 0; i < 4; i++)
            {
                Assert.Contains(await client.ListToolsAsync(), t => t.Name == "echo");
            }

            // Heard on the session for the whole call: the SDK's per-call IProgress drops a notification whose task has
            // not run when the result arrives, and on a loaded machine that can be any of them.
            await using (var progress = ProgressRecorder.Listen(client, expected: 4))
            {
                var counted = await client.CallToolAsync("countdown", new Dictionary<string, object?> { ["from"] = 3, ["intervalMs"] = 150 },
                    options: progress.Options);
                Assert.Equal("Counted down from 3.", Assert.IsType<TextContentBlock>(Assert.Single(counted.Content)).Text);
                Assert.Equal([0f, 1f, 2f, 3f], (await progress.WaitForAllAsync()).Select(u => u.Progress));
            }

            var id = await IngestAsync(client, "scaleout/watched.md", "first version of the watched note");
            var uri = "kb://documents/" + id;
            Assert.Contains("first version", await ReadTextAsync(client, uri), StringComparison.Ordinal);
            var updated = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            await client.SubscribeToResourceAsync(uri, (notification, _) =>
            {
                updated.TrySetResult(notification.Uri);
                return ValueTask.CompletedTask;
            });

            // Change the resource through the replica that does NOT hold this client's stream.
            var streamReplica = await seen.StreamReplicaAsync(TimeSpan.FromSeconds(10));
            var other = cluster.Replicas.First(r => r.Name != streamReplica);
            var (direct, _) = await cluster.ConnectAsync(endpoint: other.McpEndpoint);
            await using (direct)
            {
                await IngestAsync(direct, "scaleout/watched.md", "second version of the watched note");
            }

            Assert.Equal(uri, await updated.Task.WaitAsync(TimeSpan.FromSeconds(10)));
            for (var i = 0; i < 2; i++)
            {
                // Both replicas: the cached first version is gone everywhere.
                Assert.Contains("second version", await ReadTextAsync(client, uri), StringComparison.Ordinal);
            }

            Assert.Equal(new HashSet<string> { "a", "b" }, seen.Replicas("POST"));
            Assert.All(seen.Answers, a => Assert.InRange(a.Status, 200, 299));
        }
    }

    [Fact]
    public async Task The_typescript_sdk_client_keeps_its_session_across_replicas_and_hears_changes_made_through_the_other()
    {
        var (exitCode, output, error) = await NodeTools.RunAsync(Path.Combine(NodeTools.NodeBin, "node"),
            ["ts-scaleout-client.mjs", cluster.Balancer.McpEndpoint.ToString(), cluster.A.McpEndpoint.ToString(), cluster.B.McpEndpoint.ToString()],
            TimeSpan.FromMinutes(2));

        Assert.True(exitCode == 0, $"ts-scaleout-client.mjs exited {exitCode}: {error}\n{output}");
        var seen = JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement;
        Assert.Equal("2025-11-25", seen.GetProperty("protocolVersion").GetString());
        Assert.Equal(["a", "b"], seen.GetProperty("postReplicas").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(0, seen.GetProperty("failures").GetArrayLength());
        Assert.Single(seen.GetProperty("toolCounts").EnumerateArray().Select(c => c.GetInt32()).Distinct());
        Assert.Contains(0, seen.GetProperty("progress").EnumerateArray().Select(p => p.GetInt32()));
        Assert.Equal(seen.GetProperty("uri").GetString(), seen.GetProperty("updatedUri").GetString());
        Assert.All(seen.GetProperty("texts").EnumerateArray(), t => Assert.Contains("typescript second", t.GetString(), StringComparison.Ordinal));
        Assert.Equal(4, seen.GetProperty("asks").GetArrayLength());
        Assert.All(seen.GetProperty("asks").EnumerateArray(), a => Assert.Equal("The user answered: from either replica", a.GetString()));
    }

    [Fact]
    public async Task A_cached_resource_changed_through_one_replica_is_fresh_on_the_other_at_once()
    {
        var (onA, _) = await cluster.ConnectAsync(endpoint: cluster.A.McpEndpoint);
        var (onB, _) = await cluster.ConnectAsync(endpoint: cluster.B.McpEndpoint);
        await using (onA)
        await using (onB)
        {
            var uri = "kb://documents/" + await IngestAsync(onA, "cache/note.md", "cached version one");
            Assert.Contains("version one", await ReadTextAsync(onA, uri), StringComparison.Ordinal); // cached on A (memory and Redis)
            Assert.Contains("version one", await ReadTextAsync(onB, uri), StringComparison.Ordinal); // B reads it from Redis

            await IngestAsync(onB, "cache/note.md", "cached version two");
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var text = await ReadTextAsync(onA, uri);
            while (!text.Contains("version two", StringComparison.Ordinal) && watch.Elapsed < TimeSpan.FromSeconds(2))
            {
                await Task.Delay(10);
                text = await ReadTextAsync(onA, uri);
            }

            Assert.Contains("version two", text, StringComparison.Ordinal);
            Assert.True(watch.Elapsed < TimeSpan.FromMilliseconds(500), $"A served the old version for {watch.Elapsed}");
        }
    }

    [Fact]
    public async Task Delete_on_one_replica_ends_the_session_on_both()
    {
        var (client, _) = await cluster.ConnectAsync();
        var sessionId = client.SessionId!;
        await client.ListToolsAsync();
        await client.ListToolsAsync();
        await client.DisposeAsync(); // sends DELETE through the balancer

        using var http = new HttpClient();
        foreach (var replica in cluster.Replicas)
        {
            using var response = await PostAsync(http, replica.McpEndpoint, """{"jsonrpc":"2.0","id":1,"method":"tools/list"}""", sessionId);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
            Assert.Equal(-32600, error.GetProperty("code").GetInt32());
        }
    }

    [Fact]
    public async Task Subscriptions_and_log_level_set_on_one_replica_hold_on_the_other()
    {
        using var http = new HttpClient();
        using var initialize = await PostAsync(http, cluster.A.McpEndpoint,
            """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}""");
        var sessionId = initialize.Headers.GetValues("Mcp-Session-Id").Single();
        using var level = await PostAsync(http, cluster.B.McpEndpoint,
            """{"jsonrpc":"2.0","id":2,"method":"logging/setLevel","params":{"level":"error"}}""", sessionId);
        Assert.Equal(HttpStatusCode.OK, level.StatusCode);

        // test_tool_with_logging logs at info on A: the level set on B holds there, so the answer is plain JSON with no log messages.
        using var call = await PostAsync(http, cluster.A.McpEndpoint,
            """{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"test_tool_with_logging","arguments":{}}}""", sessionId);
        var body = await call.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, call.StatusCode);
        Assert.DoesNotContain("notifications/message", body, StringComparison.Ordinal);
    }

    internal static async Task<string> IngestAsync(McpClient client, string source, string text)
    {
        var result = await client.CallToolAsync("ingest", new Dictionary<string, object?> { ["source"] = source, ["text"] = text });
        Assert.NotEqual(true, result.IsError);
        return result.StructuredContent!.Value.GetProperty("id").GetString()!;
    }

    internal static async Task<string> ReadTextAsync(McpClient client, string uri) =>
        Assert.IsType<TextResourceContents>(Assert.Single((await client.ReadResourceAsync(uri)).Contents)).Text;

    internal static Task<HttpResponseMessage> PostAsync(HttpClient http, Uri endpoint, string json, string? sessionId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (sessionId is not null)
        {
            request.Headers.Add("Mcp-Session-Id", sessionId);
            request.Headers.Add("MCP-Protocol-Version", "2025-11-25");
        }

        return http.SendAsync(request);
    }
}
