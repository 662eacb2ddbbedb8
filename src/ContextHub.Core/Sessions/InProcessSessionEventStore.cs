using System.Collections.Concurrent;
using ContextHub.Service;
using Microsoft.Extensions.Options;

namespace ContextHub.Sessions;

/// <summary>The default event store: the last <see cref="McpServerOptions.SessionStreamEvents"/> events of each session, in memory.</summary>
public sealed class InProcessSessionEventStore : ISessionEventStore, IDisposable
{
    private readonly ConcurrentDictionary<string, Log> _logs = new(StringComparer.Ordinal);
    private readonly int _capacity;
    private readonly TimeProvider _time;
    private readonly TimeSpan _idleTimeout;
    private readonly ITimer _sweeper;

    public InProcessSessionEventStore(IOptions<McpServerOptions> options, TimeProvider time)
    {
        _capacity = options.Value.SessionStreamEvents;
        _time = time;
        _idleTimeout = options.Value.SessionIdleTimeout;
        var period = TimeSpan.FromSeconds(Math.Clamp(_idleTimeout.TotalSeconds / 4, 1, 60));
        _sweeper = time.CreateTimer(_ => Sweep(), null, period, period);
    }

    public ValueTask<string[]> AppendAsync(string occurrenceId, IReadOnlyList<string> sessionIds, ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        var ids = new string[sessionIds.Count];
        var now = _time.GetUtcNow();
        for (var i = 0; i < ids.Length; i++)
        {
            var log = _logs.GetOrAdd(sessionIds[i], static _ => new Log());
            lock (log)
            {
                log.LastUsed = now;
                if (log.Occurrences.TryGetValue(occurrenceId, out var known))
                {
                    ids[i] = known;
                    continue;
                }

                var id = (++log.Sequence).ToString(System.Globalization.CultureInfo.InvariantCulture) + "-0";
                log.Events.Enqueue((new SessionEvent(id, message), occurrenceId));
                log.Occurrences[occurrenceId] = id;
                while (log.Events.Count > _capacity)
                {
                    log.Occurrences.Remove(log.Events.Dequeue().Occurrence);
                }

                ids[i] = id;
            }
        }

        return ValueTask.FromResult(ids);
    }

    public ValueTask<IReadOnlyList<SessionEvent>> ReadAfterAsync(string sessionId, string lastEventId, CancellationToken cancellationToken)
    {
        if (!_logs.TryGetValue(sessionId, out var log) || !SessionEventIds.TryParse(lastEventId, out _))
        {
            return ValueTask.FromResult<IReadOnlyList<SessionEvent>>([]);
        }

        lock (log)
        {
            return ValueTask.FromResult<IReadOnlyList<SessionEvent>>(
                [.. log.Events.Select(e => e.Event).Where(e => SessionEventIds.IsAfter(e.Id, lastEventId))]);
        }
    }

    private void Sweep()
    {
        var cutoff = _time.GetUtcNow() - _idleTimeout;
        foreach (var (id, log) in _logs)
        {
            if (log.LastUsed < cutoff)
            {
                _logs.TryRemove(id, out _);
            }
        }
    }

    public void Dispose() => _sweeper.Dispose();

    private sealed class Log
    {
        public long Sequence;

        public DateTimeOffset LastUsed;

        public Queue<(SessionEvent Event, string Occurrence)> Events { get; } = new();

        public Dictionary<string, string> Occurrences { get; } = new(StringComparer.Ordinal);
    }
}
