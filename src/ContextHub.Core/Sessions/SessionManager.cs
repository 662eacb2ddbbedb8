using System.Collections.Concurrent;
using System.Security.Cryptography;
using ContextHub.Service;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Protocol;

namespace ContextHub.Sessions;

/// <summary>
/// Creates, finds and ends sessions. What a session negotiated lives in the <see cref="ISessionStore"/> (this process,
/// or Redis so any replica serves it); the live parts (running requests, the open stream) live here, per replica.
/// Idle sessions end after <see cref="McpServerOptions.SessionIdleTimeout"/>.
/// </summary>
public sealed partial class SessionManager : IDisposable
{
    /// <summary>
    /// How long a copy of a session serves requests without asking the store again. Changes made elsewhere reach the
    /// copy through the store's change feed at once; this bounds how late a DELETE elsewhere is noticed should that
    /// feed lose a message, and how often the idle timeout is pushed back.
    /// </summary>
    public static readonly TimeSpan RecheckAfter = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, McpSession> _sessions = new(StringComparer.Ordinal);
    private readonly ISessionStore _store;
    private readonly TimeProvider _time;
    private readonly TimeSpan _idleTimeout;
    private readonly TimeSpan _fullRetryAfter;
    private readonly int _maxSessions;
    private readonly ITimer _sweeper;
    private readonly IDisposable _changes;
    private readonly ILogger<SessionManager> _logger;
    private readonly Messaging.McpMetrics _metrics;

    public SessionManager(IOptions<McpServerOptions> options, TimeProvider time, Messaging.McpMetrics metrics, ILogger<SessionManager> logger,
        ISessionStore store)
    {
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _idleTimeout = options.Value.SessionIdleTimeout;
        _maxSessions = options.Value.MaxSessions;
        _store = store;
        var period = TimeSpan.FromSeconds(Math.Clamp(_idleTimeout.TotalSeconds / 4, 1, 60));
        _fullRetryAfter = period; // the next sweep may end idle sessions and make room
        _sweeper = time.CreateTimer(_ => Sweep(), null, period, period);
        _changes = _store.WatchChanges(OnChangeElsewhereAsync);
    }

    public int Count => _sessions.Count;

    /// <summary>True when sessions live outside this process (any replica can serve them).</summary>
    public bool IsShared => _store.IsShared;

    /// <summary>
    /// Starts a session. A <paramref name="shared"/> one (Streamable HTTP) goes to the store so any replica can serve it;
    /// a connection's own session (stdio, WebSocket) stays here and ends with the connection.
    /// </summary>
    public async ValueTask<McpSession> CreateAsync(string protocolVersion, ClientCapabilities? capabilities, Implementation? clientInfo,
        bool shared, string? owner = null, CancellationToken cancellationToken = default)
    {
        if (_sessions.Count >= _maxSessions)
        {
            Sweep();
            if (_sessions.Count >= _maxSessions)
            {
                throw new Protocol.McpErrorException(Protocol.McpProtocol.ErrorCodes.InternalError,
                    $"Too many open sessions ({_maxSessions}); close idle sessions or raise ContextHub:Server:MaxSessions.")
                { HttpStatus = 503, RetryAfter = _fullRetryAfter };
            }
        }

        var id = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
        var now = _time.GetUtcNow();
        var session = new McpSession(id, protocolVersion, capabilities, clientInfo, now) { Shared = shared, Owner = owner, Checked = (now, _store.Epoch) };
        Keep(session);
        if (shared)
        {
            await _store.CreateAsync(session.ToState(), cancellationToken);
        }

        _sessions[id] = session;
        _metrics.SessionOpened();
        LogSessionCreated(id, protocolVersion, clientInfo?.Name ?? "unknown");
        return session;
    }

    /// <summary>The session's live part on this replica, if it has one (no store round trip).</summary>
    public McpSession? Find(string id)
    {
        if (!_sessions.TryGetValue(id, out var session))
        {
            return null;
        }

        session.LastSeen = _time.GetUtcNow();
        return session;
    }

    /// <summary>
    /// Finds a session for a request: asks the store (which restarts the idle timeout), so a session begun on another
    /// replica continues here and one ended anywhere is gone here too. Null when it ended, expired or never existed.
    /// </summary>
    public async ValueTask<McpSession?> FindAsync(string id, CancellationToken cancellationToken)
    {
        var local = Find(id);
        if (local is { Shared: false })
        {
            return local;
        }

        var now = _time.GetUtcNow();
        if (local is not null && local.Checked.Epoch == _store.Epoch && now - local.Checked.At < RecheckAfter)
        {
            return local; // checked a moment ago, and nothing was missed since
        }

        var epoch = _store.Epoch;
        var state = await _store.TouchAsync(id, cancellationToken);
        if (state is null)
        {
            if (local is not null)
            {
                EndLocally(id);
            }

            return null;
        }

        if (local is not null)
        {
            local.Apply(state);
            local.Checked = (now, epoch);
            return local;
        }

        var session = new McpSession(state.Id, state.ProtocolVersion, state.ClientCapabilities, state.ClientInfo, now)
        {
            Shared = true,
            Owner = state.Owner,
            Checked = (now, epoch),
        };
        session.Apply(state);
        Keep(session);
        var added = _sessions.GetOrAdd(id, session);
        if (ReferenceEquals(added, session))
        {
            _metrics.SessionOpened();
            LogSessionResumed(id);
        }

        return added;
    }

    /// <summary>Restarts the session's idle timeout (an open stream keeps its session alive).</summary>
    public async ValueTask TouchAsync(McpSession session, CancellationToken cancellationToken)
    {
        session.LastSeen = _time.GetUtcNow();
        if (session.Shared)
        {
            await _store.TouchAsync(session.Id, cancellationToken);
        }
    }

    public ValueTask SubscribeAsync(McpSession session, string uri, CancellationToken cancellationToken)
    {
        session.ResourceSubscriptions[uri] = 0;
        return SaveAsync(session, new SessionUpdate(session.Id, SessionUpdateKind.Subscribed, uri), cancellationToken);
    }

    public ValueTask UnsubscribeAsync(McpSession session, string uri, CancellationToken cancellationToken)
    {
        session.ResourceSubscriptions.TryRemove(uri, out _);
        return SaveAsync(session, new SessionUpdate(session.Id, SessionUpdateKind.Unsubscribed, uri), cancellationToken);
    }

    public ValueTask SetLogLevelAsync(McpSession session, LoggingLevel level, CancellationToken cancellationToken)
    {
        session.LogLevel = level;
        return SaveAsync(session, new SessionUpdate(session.Id, SessionUpdateKind.LogLevel, level.ToString()), cancellationToken);
    }

    public ValueTask MarkInitializedAsync(McpSession session, CancellationToken cancellationToken)
    {
        if (session.Initialized)
        {
            return ValueTask.CompletedTask;
        }

        session.Initialized = true;
        return SaveAsync(session, new SessionUpdate(session.Id, SessionUpdateKind.Initialized), cancellationToken);
    }

    /// <summary>
    /// Delivers the client's answer to a request the server sent it: here when this replica sent it, else to the
    /// replica that did (a round-robin balancer may bring the answer anywhere). False when nobody can take it.
    /// </summary>
    public async ValueTask<bool> AnswerAsync(McpSession session, System.Text.Json.JsonElement response, CancellationToken cancellationToken)
    {
        if (!session.Shared || !_store.IsShared)
        {
            return session.OutgoingRequests.TryComplete(response);
        }

        if (!Messaging.OutgoingRequests.TryReadId(response, out var id))
        {
            return false;
        }

        // Taken once across replicas: a second answer, or one to a request nobody awaits, is refused.
        var here = session.OutgoingRequests.IsPending(id);
        var taken = await _store.TakeAnswerAsync(session.Id, id, here ? null : response.GetRawText(), cancellationToken);
        return here ? session.OutgoingRequests.TryComplete(response) || taken : taken;
    }

    /// <summary>A shared session's requests to its client are written down in the store, so any replica can take the answer.</summary>
    private void Keep(McpSession session)
    {
        if (session.Shared && _store.IsShared)
        {
            session.OutgoingRequests.Ledger = new StoreLedger(_store, session.Id);
        }
    }

    private sealed class StoreLedger(ISessionStore store, string sessionId) : Messaging.IAnswerLedger
    {
        public ValueTask ExpectAsync(long id, CancellationToken cancellationToken) => store.ExpectAnswerAsync(sessionId, id, cancellationToken);

        public void Forget(long id) => store.ForgetAnswer(sessionId, id);
    }

    private ValueTask SaveAsync(McpSession session, SessionUpdate update, CancellationToken cancellationToken) =>
        session.Shared ? _store.UpdateAsync(update, cancellationToken) : ValueTask.CompletedTask;

    /// <summary>Ends a session everywhere (<c>DELETE</c>); false when no such session exists.</summary>
    public async ValueTask<bool> RemoveAsync(string id, CancellationToken cancellationToken)
    {
        var local = _sessions.TryGetValue(id, out var found) ? found : null;
        var removed = local is { Shared: false } || await _store.RemoveAsync(id, cancellationToken);
        return EndLocally(id) || removed;
    }

    /// <summary>Ends a connection's own session (the connection closed).</summary>
    public bool Remove(string id) => EndLocally(id);

    public IEnumerable<McpSession> All => _sessions.Values;

    private bool EndLocally(string id)
    {
        if (!_sessions.TryRemove(id, out var session))
        {
            return false;
        }

        session.CancelAll();
        session.OutgoingRequests.FailAll(new OperationCanceledException("The session ended."));
        _metrics.SessionClosed(_time.GetUtcNow() - session.Created);
        LogSessionEnded(id);
        return true;
    }

    /// <summary>Keeps this replica's copies in step with changes made on others (a subscription taken there, a DELETE there).</summary>
    private ValueTask OnChangeElsewhereAsync(SessionUpdate update)
    {
        if (update.Kind == SessionUpdateKind.Ended)
        {
            EndLocally(update.SessionId);
        }
        else if (update.Kind == SessionUpdateKind.Answered)
        {
            if (_sessions.TryGetValue(update.SessionId, out var waiting) && update.Value is not null)
            {
                using var answer = System.Text.Json.JsonDocument.Parse(update.Value);
                waiting.OutgoingRequests.TryComplete(answer.RootElement);
            }
        }
        else if (_sessions.TryGetValue(update.SessionId, out var session))
        {
            session.Apply(update);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Forgets idle local copies; a shared session itself ends by the store's timeout, so another replica may still serve it.</summary>
    private void Sweep()
    {
        var cutoff = _time.GetUtcNow() - _idleTimeout;
        foreach (var session in _sessions.Values)
        {
            if (session.LastSeen < cutoff && session.StandaloneChannel is null)
            {
                EndLocally(session.Id);
            }
        }
    }

    public void Dispose()
    {
        _sweeper.Dispose();
        _changes.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Session {SessionId} created ({ProtocolVersion}, client {ClientName})")]
    private partial void LogSessionCreated(string sessionId, string protocolVersion, string clientName);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Session {SessionId} continues on this replica")]
    private partial void LogSessionResumed(string sessionId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Session {SessionId} ended")]
    private partial void LogSessionEnded(string sessionId);
}
