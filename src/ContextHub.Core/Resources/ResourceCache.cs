using System.IO.Hashing;
using System.Text.Json;
using ContextHub.Protocol;
using ContextHub.Storage.Cache;
using ContextHub.Storage.PubSub;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Protocol;

namespace ContextHub.Resources;

/// <summary>
/// Read-through cache of resource contents with a TTL; an update event for a URI drops its entry at once,
/// so a client never reads a stale file after <c>resources/updated</c>.
/// </summary>
public sealed class ResourceCache : IDisposable
{
    private readonly ICacheStore _store;
    private readonly TimeSpan _ttl;
    private readonly IDisposable _subscription;

    public ResourceCache(ICacheStore store, INotificationBus bus, IOptions<ResourceOptions> options)
    {
        _store = store;
        _ttl = options.Value.CacheTtl;
        // A change made on another replica: that replica dropped the shared copy before telling the others.
        _subscription = bus.Subscribe(e => e.Kind == ServerEventKind.ResourceUpdated && e.Uri is not null
            ? e.FromElsewhere ? _store.ForgetHereAsync(Key(e.Uri)) : _store.RemoveAsync(Key(e.Uri))
            : ValueTask.CompletedTask);
    }

    public bool Enabled => _ttl > TimeSpan.Zero;

    /// <summary>Returns cached contents with their tag, or reads them through <paramref name="read"/> and caches them.</summary>
    public async ValueTask<(ResourceContents[]? Contents, string? Tag)> GetOrReadAsync(string uri,
        Func<ValueTask<ResourceContents[]?>> read, CancellationToken cancellationToken)
    {
        if (!Enabled)
        {
            return (await read(), null);
        }

        var key = Key(uri);
        using var activity = ContextHub.Storage.Telemetry.ContextHubTelemetry.Source.StartActivity("resource cache get");
        var cached = await _store.GetAsync(key, cancellationToken);
        activity?.SetTag("cache.hit", cached is not null);
        if (cached is { } hit)
        {
            return (JsonSerializer.Deserialize(hit.Value.Span, McpJson.TypeInfo<ResourceContents[]>()), hit.Tag);
        }

        var contents = await read();
        if (contents is null)
        {
            return (null, null);
        }

        var bytes = JsonSerializer.SerializeToUtf8Bytes(contents, McpJson.TypeInfo<ResourceContents[]>());
        var tag = Convert.ToHexString(XxHash64.Hash(bytes)).ToLowerInvariant();
        await _store.SetAsync(key, new CacheEntry(bytes, tag), _ttl, cancellationToken);
        return (contents, tag);
    }

    private static string Key(string uri) => "resource:" + uri;

    public void Dispose() => _subscription.Dispose();
}

/// <summary>Settings of the Resource Manager, bound from <c>ContextHub:Resources</c>.</summary>
public sealed class ResourceOptions
{
    public const string Section = "ContextHub:Resources";

    /// <summary>How long a read stays cached; zero turns the cache off.</summary>
    public TimeSpan CacheTtl { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Folders served as resources: name → path.</summary>
    public Dictionary<string, string> Folders { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The largest file one read returns.</summary>
    public long MaxReadBytes { get; set; } = 10 * 1024 * 1024;
}
