using System.Collections.Concurrent;
using System.Security.Cryptography;
using ContextHub.Service;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Protocol;

namespace ContextHub.Sessions;

/// <summary>Creates, finds and expires sessions; idle sessions end after <see cref="McpServerOptions.SessionIdleTimeout"/>.</summary>
public sealed partial class SessionManager : IDisposable
{
    private readonly ConcurrentDictionary<string, McpSession> _sessions = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly TimeSpan _idleTimeout;
    private readonly int _maxSessions;
    private readonly ITimer _sweeper;
    private readonly ILogger<SessionManager> _logger;
    private readonly Messaging.McpMetrics _metrics;

    public SessionManager(IOptions<McpServerOptions> options, TimeProvider time, Messaging.McpMetrics metrics, ILogger<SessionManager> logger)
    {
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _idleTimeout = options.Value.SessionIdleTimeout;
        _maxSessions = options.Value.MaxSessions;
        var period = TimeSpan.FromSeconds(Math.Clamp(_idleTimeout.TotalSeconds / 4, 1, 60));
        _sweeper = time.CreateTimer(_ => Sweep(), null, period, period);
    }

    public int Count => _sessions.Count;

    public McpSession Create(string protocolVersion, ClientCapabilities? capabilities, Implementation? clientInfo)
    {
        if (_sessions.Count >= _maxSessions)
        {
            Sweep();
            if (_sessions.Count >= _maxSessions)
            {
                throw new Protocol.McpErrorException(Protocol.McpProtocol.ErrorCodes.InternalError,
                    $"Too many open sessions ({_maxSessions}); close idle sessions or raise ContextHub:Server:MaxSessions.")
                { HttpStatus = 503 };
            }
        }

        var id = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
        var session = new McpSession(id, protocolVersion, capabilities, clientInfo, _time.GetUtcNow());
        _sessions[id] = session;
        _metrics.SessionOpened();
        LogSessionCreated(id, protocolVersion, clientInfo?.Name ?? "unknown");
        return session;
    }

    public McpSession? Find(string id)
    {
        if (!_sessions.TryGetValue(id, out var session))
        {
            return null;
        }

        session.LastSeen = _time.GetUtcNow();
        return session;
    }

    public bool Remove(string id)
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

    public IEnumerable<McpSession> All => _sessions.Values;

    private void Sweep()
    {
        var cutoff = _time.GetUtcNow() - _idleTimeout;
        foreach (var session in _sessions.Values)
        {
            if (session.LastSeen < cutoff && session.StandaloneChannel is null)
            {
                Remove(session.Id);
            }
        }
    }

    public void Dispose() => _sweeper.Dispose();

    [LoggerMessage(Level = LogLevel.Debug, Message = "Session {SessionId} created ({ProtocolVersion}, client {ClientName})")]
    private partial void LogSessionCreated(string sessionId, string protocolVersion, string clientName);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Session {SessionId} ended")]
    private partial void LogSessionEnded(string sessionId);
}
