namespace ContextHub.Storage.PubSub;

/// <summary>
/// Carries server events (a list changed, a resource updated) to every replica; in-process by default, Redis at scale.
/// </summary>
public interface INotificationBus
{
    ValueTask PublishAsync(ServerEvent serverEvent, CancellationToken cancellationToken = default);

    /// <summary>Registers a handler for every event published from now on, on this or any replica.</summary>
    IDisposable Subscribe(Func<ServerEvent, ValueTask> handler);
}

/// <summary>What changed: a kind and, for resource updates, the URI.</summary>
public sealed record ServerEvent(ServerEventKind Kind, string? Uri = null)
{
    /// <summary>Names this one occurrence on every replica (so a session stream records it once).</summary>
    public string Id { get; init; } = Guid.NewGuid().ToString("N");

    /// <summary>Raised on another replica, which already did what is shared (such as dropping a shared cache entry).</summary>
    public bool FromElsewhere { get; init; }
}

public enum ServerEventKind
{
    ToolsListChanged,
    PromptsListChanged,
    ResourcesListChanged,
    ResourceUpdated,
}
