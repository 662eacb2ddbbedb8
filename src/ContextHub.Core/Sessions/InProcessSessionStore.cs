using System.Collections.Concurrent;
using ContextHub.Service;
using Microsoft.Extensions.Options;

namespace ContextHub.Sessions;

/// <summary>The default session store: this process's memory, entries ending after the idle timeout.</summary>
public sealed class InProcessSessionStore : ISessionStore, IDisposable
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly TimeSpan _idleTimeout;
    private readonly ITimer _sweeper;

    public InProcessSessionStore(IOptions<McpServerOptions> options, TimeProvider time)
    {
        _time = time;
        _idleTimeout = options.Value.SessionIdleTimeout;
        var period = TimeSpan.FromSeconds(Math.Clamp(_idleTimeout.TotalSeconds / 4, 1, 60));
        _sweeper = time.CreateTimer(_ => Sweep(), null, period, period);
    }

    public bool IsShared => false;

    public long Epoch => 0;

    public ValueTask CreateAsync(SessionState state, CancellationToken cancellationToken)
    {
        _entries[state.Id] = new Entry(state.Copy(), _time.GetUtcNow());
        return ValueTask.CompletedTask;
    }

    public ValueTask<SessionState?> TouchAsync(string id, CancellationToken cancellationToken)
    {
        if (!_entries.TryGetValue(id, out var entry))
        {
            return ValueTask.FromResult<SessionState?>(null);
        }

        var now = _time.GetUtcNow();
        if (now - entry.LastSeen > _idleTimeout)
        {
            _entries.TryRemove(id, out _);
            return ValueTask.FromResult<SessionState?>(null);
        }

        entry.LastSeen = now;
        return ValueTask.FromResult<SessionState?>(entry.State);
    }

    public ValueTask UpdateAsync(SessionUpdate update, CancellationToken cancellationToken)
    {
        if (_entries.TryGetValue(update.SessionId, out var entry))
        {
            lock (entry)
            {
                // Readers get a fresh copy each time, so an update never changes a state someone is iterating.
                var next = entry.State.Copy();
                next.Apply(update);
                entry.State = next;
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<bool> RemoveAsync(string id, CancellationToken cancellationToken) => ValueTask.FromResult(_entries.TryRemove(id, out _));

    public IDisposable WatchChanges(Func<SessionUpdate, ValueTask> handler) => NoChanges.Instance;

    private void Sweep()
    {
        var cutoff = _time.GetUtcNow() - _idleTimeout;
        foreach (var (id, entry) in _entries)
        {
            if (entry.LastSeen < cutoff)
            {
                _entries.TryRemove(id, out _);
            }
        }
    }

    public void Dispose() => _sweeper.Dispose();

    private sealed class Entry(SessionState state, DateTimeOffset lastSeen)
    {
        public SessionState State { get; set; } = state;

        public DateTimeOffset LastSeen { get; set; } = lastSeen;
    }

    /// <summary>Nothing else writes to this process's memory.</summary>
    private sealed class NoChanges : IDisposable
    {
        public static readonly NoChanges Instance = new();

        public void Dispose()
        {
        }
    }
}
