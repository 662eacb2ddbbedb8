using ContextHub.Storage.Telemetry;
using Microsoft.Extensions.Caching.Memory;

namespace ContextHub.Storage.Cache;

/// <summary>The in-process cache: a size-bounded <see cref="MemoryCache"/> (size counted in bytes).</summary>
public sealed class MemoryCacheStore : ICacheStore, IDisposable
{
    public const string Level = "memory";
    private static readonly PostEvictionCallbackRegistration CountEvictions = new()
    {
        EvictionCallback = static (_, _, reason, _) =>
        {
            if (reason == EvictionReason.Capacity)
            {
                ContextHubTelemetry.CacheEviction(Level);
            }
        },
    };

    private readonly MemoryCache _cache;

    /// <summary>A cache of at most <paramref name="sizeLimitBytes"/>; entries expire by <paramref name="time"/> (the system clock when null).</summary>
    public MemoryCacheStore(long sizeLimitBytes = 64 * 1024 * 1024, TimeProvider? time = null)
    {
        _cache = new MemoryCache(new MemoryCacheOptions
        {
            SizeLimit = sizeLimitBytes,
            Clock = time is null || time == TimeProvider.System ? null : new TimeProviderClock(time),
        });
        ContextHubTelemetry.RegisterCacheLevel(Level);
    }

    public ValueTask<CacheEntry?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        if (_cache.TryGetValue(key, out CacheEntry? entry))
        {
            ContextHubTelemetry.CacheHit(Level);
            return ValueTask.FromResult<CacheEntry?>(entry);
        }

        ContextHubTelemetry.CacheMiss(Level);
        return ValueTask.FromResult<CacheEntry?>(null);
    }

    public ValueTask SetAsync(string key, CacheEntry entry, TimeSpan timeToLive, CancellationToken cancellationToken = default)
    {
        _cache.Set(key, entry, new MemoryCacheEntryOptions
        {
            AbsoluteExpirationRelativeToNow = timeToLive,
            Size = Math.Max(1, entry.Value.Length + key.Length),
            PostEvictionCallbacks = { CountEvictions },
        });
        return ValueTask.CompletedTask;
    }

    public ValueTask RemoveAsync(string key, CancellationToken cancellationToken = default)
    {
        _cache.Remove(key);
        return ValueTask.CompletedTask;
    }

    public void Dispose() => _cache.Dispose();

    /// <summary>The cache's clock read from a <see cref="TimeProvider"/>, so expiry follows the time the host was given.</summary>
    private sealed class TimeProviderClock(TimeProvider time) : Microsoft.Extensions.Internal.ISystemClock
    {
        public DateTimeOffset UtcNow => time.GetUtcNow();
    }
}
