using System.Net;
using System.Text;
using ModelContextProtocol.Client;

namespace ContextHub.Server.Tests.Redis;

/// <summary>
/// What clients hear of a change made while Redis is away: the clients of the replica that made it hear it; the other
/// replica's clients never do — the event is lost for them, not kept and sent when Redis returns.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class OutageEventTests
{
    private const string Watched = "test://watched-resource";

    [Fact]
    public async Task A_change_made_while_Redis_is_away_reaches_only_the_clients_of_the_replica_that_made_it_and_is_not_replayed()
    {
        var cluster = new ScaleOutCluster();
        await cluster.InitializeAsync();
        try
        {
            var (onA, seenA) = await cluster.ConnectAsync(endpoint: cluster.A.McpEndpoint);
            var (onB, seenB) = await cluster.ConnectAsync(endpoint: cluster.B.McpEndpoint);
            await using (onA)
            await using (onB)
            {
                var heardA = await SubscribeAsync(onA);
                var heardB = await SubscribeAsync(onB);
                await seenA.StreamReplicaAsync(TimeSpan.FromSeconds(10));
                await seenB.StreamReplicaAsync(TimeSpan.FromSeconds(10));
                using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

                // With Redis: a change through A reaches both.
                await TouchAsync(http, cluster.A);
                await WaitForAsync(() => heardA.Count == 1 && heardB.Count == 1, "both clients to hear the change made with Redis up");

                await cluster.Redis.StopAsync();
                await TouchAsync(http, cluster.A); // the stateless revision needs no Redis

                await WaitForAsync(() => heardA.Count == 2, "the client of the replica that made the change to hear it");
                await Task.Delay(TimeSpan.FromSeconds(2));
                Assert.Equal(1, heardB.Count);

                // Redis returns and both replicas reconnect: the missed event is not sent afterwards.
                await cluster.Redis.StartAsync();
                foreach (var replica in cluster.Replicas)
                {
                    await WaitForAsync(async () => await InitializeAsync(http, replica) == HttpStatusCode.OK, $"replica {replica.Name} to reach Redis again");
                }

                await Task.Delay(TimeSpan.FromSeconds(2));
                Assert.Equal(1, heardB.Count);
                Assert.Equal(2, heardA.Count);
            }
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    private static async Task<Counter> SubscribeAsync(McpClient client)
    {
        var heard = new Counter();
        await client.SubscribeToResourceAsync(Watched, (notification, _) =>
        {
            if (notification.Uri == Watched)
            {
                heard.Add();
            }

            return ValueTask.CompletedTask;
        });
        return heard;
    }

    private static async Task TouchAsync(HttpClient http, Replica replica)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, replica.McpEndpoint)
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"touch_resource","arguments":{"uri":"test://watched-resource"},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}""",
                Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Accept", "application/json, text/event-stream");
        request.Headers.Add("MCP-Protocol-Version", "2026-07-28");
        request.Headers.Add("Mcp-Method", "tools/call");
        request.Headers.Add("Mcp-Name", "touch_resource");
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK && body.Contains("were told it changed", StringComparison.Ordinal), $"touch_resource on {replica.Name}: {(int)response.StatusCode} {body}");
    }

    private static async Task<HttpStatusCode> InitializeAsync(HttpClient http, Replica replica)
    {
        using var response = await ScaleOutTests.PostAsync(http, replica.McpEndpoint,
            """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}""");
        return response.StatusCode;
    }

    private static Task WaitForAsync(Func<bool> condition, string what) => WaitForAsync(() => Task.FromResult(condition()), what);

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(100);
        }
    }

    private sealed class Counter
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public void Add() => Interlocked.Increment(ref _count);
    }
}
