using ContextHub.Storage.Cache;
using ContextHub.Storage.Telemetry;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ContextHub.Redis;

/// <summary>
/// The two-level cache: this replica's memory first, Redis second (<c>{prefix}cache:{key}</c>, a hash of value and tag
/// with the entry's lifetime), so a replica reads what another cached. Invalidation reaches every replica through the
/// notification bus (the Resource Cache drops a resource on <c>resources/updated</c> from any replica), which removes
/// the entry from both levels. Redis away: the cache is memory only, never an error. Look-ups are counted per level:
/// <c>memory</c> for the first, <c>redis</c> for those Redis answered.
/// </summary>
public sealed partial class RedisCacheStore : ICacheStore, IDisposable
{
    private static readonly RedisValue ValueField = "v";
    private static readonly RedisValue TagField = "t";
    public const string Level = "redis";

    private readonly MemoryCacheStore _memory = new();
    private readonly RedisConnection _redis;
    private readonly ILogger<RedisCacheStore> _logger;

    public RedisCacheStore(RedisConnection redis, ILogger<RedisCacheStore> logger)
    {
        _redis = redis;
        _logger = logger;
        ContextHubTelemetry.RegisterCacheLevel(Level);
    }

    private RedisKey Key(string key) => _redis.Key("cache:" + key);

    public async ValueTask<CacheEntry?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        if (await _memory.GetAsync(key, cancellationToken) is { } local)
        {
            return local;
        }

        try
        {
            var redisKey = Key(key);
            var batch = _redis.Database.CreateBatch();
            var fields = batch.HashGetAsync(redisKey, [ValueField, TagField]);
            var ttl = batch.KeyTimeToLiveAsync(redisKey);
            batch.Execute();
            var values = await fields.WaitAsync(cancellationToken);
            if (values[0].IsNull || values[1].IsNull || await ttl is not { } remaining || remaining <= TimeSpan.Zero)
            {
                ContextHubTelemetry.CacheMiss(Level);
                return null;
            }

            ContextHubTelemetry.CacheHit(Level);

            var entry = new CacheEntry((byte[])values[0]!, (string)values[1]!);
            await _memory.SetAsync(key, entry, remaining, cancellationToken);
            return entry;
        }
        catch (Exception e) when (RedisConnection.IsUnavailable(e))
        {
            LogSecondLevelUnavailable(e.Message);
            return null;
        }
    }

    public async ValueTask SetAsync(string key, CacheEntry entry, TimeSpan timeToLive, CancellationToken cancellationToken = default)
    {
        await _memory.SetAsync(key, entry, timeToLive, cancellationToken);
        try
        {
            var transaction = _redis.Database.CreateTransaction();
            _ = transaction.HashSetAsync(Key(key), [new HashEntry(ValueField, entry.Value), new HashEntry(TagField, entry.Tag)]);
            _ = transaction.KeyExpireAsync(Key(key), timeToLive);
            await transaction.ExecuteAsync().WaitAsync(cancellationToken);
        }
        catch (Exception e) when (RedisConnection.IsUnavailable(e))
        {
            LogSecondLevelUnavailable(e.Message);
        }
    }

    /// <summary>
    /// Drops the entry here and sends the delete to Redis without waiting for its answer: Redis runs one connection's
    /// commands in order, so anything this replica sends after (the <c>resources/updated</c> it publishes next, a read)
    /// comes after the delete, and the notification does not wait one more round trip.
    /// </summary>
    public ValueTask RemoveAsync(string key, CancellationToken cancellationToken = default)
    {
        var local = _memory.RemoveAsync(key, cancellationToken);
        try
        {
            _ = ObserveAsync(_redis.Database.KeyDeleteAsync(Key(key)));
        }
        catch (Exception e) when (RedisConnection.IsUnavailable(e))
        {
            LogSecondLevelUnavailable(e.Message);
        }

        return local;
    }

    private async Task ObserveAsync(Task<bool> deleting)
    {
        try
        {
            await deleting;
        }
        catch (Exception e) when (RedisConnection.IsUnavailable(e))
        {
            // The entry expires with its lifetime.
            LogSecondLevelUnavailable(e.Message);
        }
    }

    public ValueTask ForgetHereAsync(string key, CancellationToken cancellationToken = default) => _memory.RemoveAsync(key, cancellationToken);

    public void Dispose() => _memory.Dispose();

    [LoggerMessage(Level = LogLevel.Debug, Message = "Cache in memory only: Redis did not answer ({Reason})")]
    private partial void LogSecondLevelUnavailable(string reason);
}
