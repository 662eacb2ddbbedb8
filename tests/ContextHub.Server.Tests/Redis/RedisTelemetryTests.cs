using System.Diagnostics.Metrics;
using ContextHub.Redis;
using ContextHub.Storage.Cache;
using ContextHub.Storage.PubSub;
using ContextHub.Storage.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ContextHub.Server.Tests.Redis;

/// <summary>
/// Cache look-ups and pub/sub messages on Redis are counted under their own level (<c>redis</c>), apart from this
/// process's memory level and in-process bus: two "replicas" (each its own connection, first cache level and bus) on
/// one real redis-server.
/// </summary>
[Collection(RedisCollection.Name)] // alone: the counts are process-wide
public sealed class RedisTelemetryTests : IAsyncLifetime
{
    private readonly RedisServer _server = new(Directory.CreateTempSubdirectory("contexthub-redis-telemetry-").FullName);

    public Task InitializeAsync() => _server.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Cache_hits_and_misses_and_bus_messages_are_counted_by_their_real_level()
    {
        var options = Options.Create(new RedisOptions { Configuration = _server.Configuration, KeyPrefix = "telemetry-" + Guid.NewGuid().ToString("N")[..6] + ":" });
        using var redisA = new RedisConnection(options, NullLogger<RedisConnection>.Instance);
        using var redisB = new RedisConnection(options, NullLogger<RedisConnection>.Instance);
        using var cacheA = new RedisCacheStore(redisA, NullLogger<RedisCacheStore>.Instance);
        using var cacheB = new RedisCacheStore(redisB, NullLogger<RedisCacheStore>.Instance);
        using var backplaneA = new RedisBackplane(redisA, NullLogger<RedisBackplane>.Instance);
        using var backplaneB = new RedisBackplane(redisB, NullLogger<RedisBackplane>.Instance);
        await backplaneA.StartAsync(CancellationToken.None);
        await backplaneB.StartAsync(CancellationToken.None);
        using var busA = new RedisNotificationBus(backplaneA, NullLogger<RedisNotificationBus>.Instance);
        using var busB = new RedisNotificationBus(backplaneB, NullLogger<RedisNotificationBus>.Instance);
        var heardOnB = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = busB.Subscribe(e =>
        {
            if (e.Uri == "res://telemetry")
            {
                heardOnB.TrySetResult();
            }

            return ValueTask.CompletedTask;
        });
        await WaitForSubscriptionsAsync(busA, heardOnB);

        var before = Read();
        Assert.Null(await cacheA.GetAsync("k"));                      // memory miss, redis miss
        await cacheA.SetAsync("k", new CacheEntry("v"u8.ToArray(), "t"), TimeSpan.FromMinutes(1));
        Assert.NotNull(await cacheA.GetAsync("k"));                   // memory hit
        Assert.NotNull(await cacheB.GetAsync("k"));                   // memory miss on B, redis hit
        Assert.NotNull(await cacheB.GetAsync("k"));                   // memory hit on B (copied from redis)
        var after = Read();

        Assert.Equal(2, after["hits memory"] - before["hits memory"]);
        Assert.Equal(2, after["misses memory"] - before["misses memory"]);
        Assert.Equal(1, after["hits redis"] - before["hits redis"]);
        Assert.Equal(1, after["misses redis"] - before["misses redis"]);
        Assert.True(before.ContainsKey("published redis") && before.ContainsKey("received redis"), "the redis bus series exist before any message");
    }

    /// <summary>Publishes on A until B hears it (B's subscription is made in the background); then checks the counts of one more.</summary>
    private static async Task WaitForSubscriptionsAsync(RedisNotificationBus busA, TaskCompletionSource heardOnB)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!heardOnB.Task.IsCompleted && DateTime.UtcNow < deadline)
        {
            await busA.PublishAsync(new ServerEvent(ServerEventKind.ResourceUpdated, "res://telemetry"));
            await Task.WhenAny(heardOnB.Task, Task.Delay(200));
        }

        Assert.True(heardOnB.Task.IsCompleted, "B never heard A's event through Redis");
        await Task.Delay(300); // the last attempts' deliveries settle

        var before = Read();
        var heard = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await busA.PublishAsync(new ServerEvent(ServerEventKind.ToolsListChanged));
        var deadlineOne = DateTime.UtcNow.AddSeconds(10);
        while (Read()["received redis"] - before["received redis"] < 1 && DateTime.UtcNow < deadlineOne)
        {
            await Task.Delay(20);
        }

        var after = Read();
        Assert.Equal(1, after["published redis"] - before["published redis"]);   // A sent one to Redis
        Assert.Equal(1, after["received redis"] - before["received redis"]);     // B received one from Redis
        Assert.True(after["published inprocess"] - before["published inprocess"] >= 2, "delivered in process on A and again on B");
    }

    /// <summary>The cache and pub/sub counters as an exporter reads them: "hits memory", "published redis", ….</summary>
    private static Dictionary<string, long> Read()
    {
        var seen = new Dictionary<string, long>(StringComparer.Ordinal);
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == ContextHubTelemetry.Meter && (instrument.Name.StartsWith("contexthub.cache.", StringComparison.Ordinal)
                || instrument.Name.StartsWith("contexthub.pubsub.", StringComparison.Ordinal)))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            seen[instrument.Name.Split('.')[^1] + " " + (string)tags[0].Value!] = value);
        listener.Start();
        listener.RecordObservableInstruments();
        return seen;
    }
}
