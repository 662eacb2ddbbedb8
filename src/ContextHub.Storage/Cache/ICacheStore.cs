namespace ContextHub.Storage.Cache;

/// <summary>A byte-valued cache with TTL, shared by the Resource Cache and others; in-process by default, Redis at scale.</summary>
public interface ICacheStore
{
    ValueTask<CacheEntry?> GetAsync(string key, CancellationToken cancellationToken = default);

    ValueTask SetAsync(string key, CacheEntry entry, TimeSpan timeToLive, CancellationToken cancellationToken = default);

    ValueTask RemoveAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Drops this process's copy only: the shared copy was removed already by whoever made the change.</summary>
    ValueTask ForgetHereAsync(string key, CancellationToken cancellationToken = default) => RemoveAsync(key, cancellationToken);
}

/// <summary>One cached value: its bytes and a version tag (ETag) so readers can revalidate cheaply.</summary>
public sealed record CacheEntry(ReadOnlyMemory<byte> Value, string Tag);
