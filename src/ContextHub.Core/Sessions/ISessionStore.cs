using ModelContextProtocol.Protocol;

namespace ContextHub.Sessions;

/// <summary>
/// Keeps what each session-based client negotiated, so any replica can serve its next request; entries end after
/// the idle timeout unless touched. In-process by default (<see cref="InProcessSessionStore"/>), Redis at scale.
/// </summary>
public interface ISessionStore
{
    /// <summary>True when other processes see the same entries (then changes made elsewhere arrive through <see cref="WatchChanges"/>).</summary>
    bool IsShared { get; }

    /// <summary>
    /// Changes whenever changes from other processes may have been missed (the link to them dropped or came back);
    /// copies of sessions made before then are read again from the store.
    /// </summary>
    long Epoch { get; }

    ValueTask CreateAsync(SessionState state, CancellationToken cancellationToken);

    /// <summary>Returns the session's state and restarts its idle timeout; null when it ended, expired or never existed.</summary>
    ValueTask<SessionState?> TouchAsync(string id, CancellationToken cancellationToken);

    ValueTask UpdateAsync(SessionUpdate update, CancellationToken cancellationToken);

    /// <summary>Ends the session everywhere; false when it did not exist.</summary>
    ValueTask<bool> RemoveAsync(string id, CancellationToken cancellationToken);

    /// <summary>Changes made to sessions by other processes (subscriptions, ends), in the order they were made.</summary>
    IDisposable WatchChanges(Func<SessionUpdate, ValueTask> handler);

    /// <summary>A shared store writes down that the server awaits the client's answer to request <paramref name="requestId"/>.</summary>
    ValueTask ExpectAnswerAsync(string sessionId, long requestId, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>The request is no longer awaited (best effort).</summary>
    void ForgetAnswer(string sessionId, long requestId)
    {
    }

    /// <summary>
    /// Takes the client's answer to request <paramref name="requestId"/>, once: true when it was awaited, and then
    /// <paramref name="response"/> (unless null: the caller awaits it itself) goes to the replica that awaits it; false
    /// when no request with that id is awaited (answered already, given up, or never sent).
    /// </summary>
    ValueTask<bool> TakeAnswerAsync(string sessionId, long requestId, string? response, CancellationToken cancellationToken) => ValueTask.FromResult(false);
}

/// <summary>What a session negotiated: revision, the client's capabilities, log level, resource subscriptions, owner.</summary>
public sealed class SessionState
{
    public required string Id { get; init; }

    public required string ProtocolVersion { get; init; }

    public ClientCapabilities? ClientCapabilities { get; init; }

    public Implementation? ClientInfo { get; init; }

    public LoggingLevel LogLevel { get; set; } = LoggingLevel.Debug;

    public bool Initialized { get; set; }

    /// <summary>Who opened the session (set by authentication); opaque to the store.</summary>
    public string? Owner { get; init; }

    public HashSet<string> ResourceSubscriptions { get; init; } = new(StringComparer.Ordinal);

    public SessionState Copy() => new()
    {
        Id = Id,
        ProtocolVersion = ProtocolVersion,
        ClientCapabilities = ClientCapabilities,
        ClientInfo = ClientInfo,
        LogLevel = LogLevel,
        Initialized = Initialized,
        Owner = Owner,
        ResourceSubscriptions = new HashSet<string>(ResourceSubscriptions, StringComparer.Ordinal),
    };

    /// <summary>Applies one change in place.</summary>
    public void Apply(SessionUpdate update)
    {
        switch (update.Kind)
        {
            case SessionUpdateKind.Subscribed:
                ResourceSubscriptions.Add(update.Value!);
                break;
            case SessionUpdateKind.Unsubscribed:
                ResourceSubscriptions.Remove(update.Value!);
                break;
            case SessionUpdateKind.LogLevel when Enum.TryParse<LoggingLevel>(update.Value, ignoreCase: true, out var level):
                LogLevel = level;
                break;
            case SessionUpdateKind.Initialized:
                Initialized = true;
                break;
        }
    }
}

/// <summary>One change to a session; <see cref="Value"/> is the URI or the level name.</summary>
public sealed record SessionUpdate(string SessionId, SessionUpdateKind Kind, string? Value = null);

public enum SessionUpdateKind
{
    Subscribed,
    Unsubscribed,
    LogLevel,
    Initialized,
    Ended,

    /// <summary>The client's answer to a request another replica sent it (<see cref="SessionUpdate.Value"/> is the JSON-RPC response); not stored.</summary>
    Answered,
}
