using System.Collections.Concurrent;
using ContextHub.Messaging;
using ModelContextProtocol.Protocol;

namespace ContextHub.Sessions;

/// <summary>State of one client in the session-based revisions (2025-11-25 and older).</summary>
public sealed class McpSession
{
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _inFlight = new();
    private readonly CancellationTokenSource _ended = new();
    private IMcpChannel? _standaloneChannel;

    public McpSession(string id, string protocolVersion, ClientCapabilities? capabilities, Implementation? clientInfo, DateTimeOffset now)
    {
        Id = id;
        ProtocolVersion = protocolVersion;
        ClientCapabilities = capabilities;
        ClientInfo = clientInfo;
        LastSeen = now;
        Created = now;
    }

    public DateTimeOffset Created { get; }

    public string Id { get; }

    public string ProtocolVersion { get; }

    public ClientCapabilities? ClientCapabilities { get; }

    public Implementation? ClientInfo { get; }

    /// <summary>Kept in the <see cref="ISessionStore"/> so any replica can serve it (Streamable HTTP); false for a connection's own session.</summary>
    public bool Shared { get; init; }

    /// <summary>The caller identity that opened the session; another identity presenting its id is refused.</summary>
    public string? Owner { get; init; }

    /// <summary>Set by <c>logging/setLevel</c>; until then the server sends every level.</summary>
    public LoggingLevel LogLevel { get; set; } = LoggingLevel.Debug;

    public bool Initialized { get; set; }

    public DateTimeOffset LastSeen { get; set; }

    /// <summary>When this copy was last read from (or confirmed by) the session store, and the store's epoch then.</summary>
    internal (DateTimeOffset At, long Epoch) Checked { get; set; }

    /// <summary>URIs the client subscribed to with <c>resources/subscribe</c>.</summary>
    public ConcurrentDictionary<string, byte> ResourceSubscriptions { get; } = new(StringComparer.Ordinal);

    /// <summary>Answers to the requests the server sent this client.</summary>
    public OutgoingRequests OutgoingRequests { get; } = new();

    /// <summary>The stream for messages not tied to a request (the GET SSE stream, or the stdio connection itself).</summary>
    public IMcpChannel? StandaloneChannel => Volatile.Read(ref _standaloneChannel);

    /// <summary>Attaches a standalone stream; false when one is already open (the spec allows one per session).</summary>
    public bool TryAttachStandaloneChannel(IMcpChannel channel) =>
        Interlocked.CompareExchange(ref _standaloneChannel, channel, null) is null;

    public void DetachStandaloneChannel(IMcpChannel channel) =>
        Interlocked.CompareExchange(ref _standaloneChannel, null, channel);

    /// <summary>What the store holds for this session.</summary>
    public SessionState ToState() => new()
    {
        Id = Id,
        ProtocolVersion = ProtocolVersion,
        ClientCapabilities = ClientCapabilities,
        ClientInfo = ClientInfo,
        LogLevel = LogLevel,
        Initialized = Initialized,
        Owner = Owner,
        ResourceSubscriptions = new HashSet<string>(ResourceSubscriptions.Keys, StringComparer.Ordinal),
    };

    /// <summary>Takes what the store holds (another replica may have changed it since this one last saw the session).</summary>
    public void Apply(SessionState state)
    {
        LogLevel = state.LogLevel;
        Initialized |= state.Initialized;
        foreach (var uri in ResourceSubscriptions.Keys)
        {
            if (!state.ResourceSubscriptions.Contains(uri))
            {
                ResourceSubscriptions.TryRemove(uri, out _);
            }
        }

        foreach (var uri in state.ResourceSubscriptions)
        {
            ResourceSubscriptions.TryAdd(uri, 0);
        }
    }

    /// <summary>Applies a change another replica made.</summary>
    public void Apply(SessionUpdate update)
    {
        switch (update.Kind)
        {
            case SessionUpdateKind.Subscribed:
                ResourceSubscriptions.TryAdd(update.Value!, 0);
                break;
            case SessionUpdateKind.Unsubscribed:
                ResourceSubscriptions.TryRemove(update.Value!, out _);
                break;
            case SessionUpdateKind.LogLevel when Enum.TryParse<LoggingLevel>(update.Value, ignoreCase: true, out var level):
                LogLevel = level;
                break;
            case SessionUpdateKind.Initialized:
                Initialized = true;
                break;
        }
    }

    /// <summary>Tracks a running request so <c>notifications/cancelled</c> can stop it.</summary>
    public CancellationTokenSource TrackRequest(string requestId, CancellationToken linkedTo)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(linkedTo);
        _inFlight[requestId] = cts;
        return cts;
    }

    public void UntrackRequest(string requestId) => _inFlight.TryRemove(requestId, out _);

    public void CancelRequest(string requestId)
    {
        if (_inFlight.TryGetValue(requestId, out var cts))
        {
            try
            {
                cts.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The request finished as the cancellation arrived.
            }
        }
    }

    /// <summary>Cancelled when the session ends (DELETE here or on another replica, or expiry): open streams close.</summary>
    public CancellationToken Ended => _ended.Token;

    internal void CancelAll()
    {
        try
        {
            _ended.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }

        foreach (var cts in _inFlight.Values)
        {
            try
            {
                cts.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }
}
