using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ContextHub.Storage.Telemetry;

/// <summary>
/// The server's shared meter and activity source, both named <c>ContextHub</c>, and the operator's gauges and counters
/// that any part may move (cache, pub/sub, connections, tasks, dependencies). Every instrument here is observable over
/// counts kept in this class, so each series exists with a value (0) from the first scrape, even on an idle replica.
/// Label values come from fixed sets or from names the code chooses (cache levels, bus backends, dependency names),
/// never from requests.
/// </summary>
public static class ContextHubTelemetry
{
    public const string Name = "ContextHub";

    /// <summary>Spans of the Message Manager, tool calls, cache and store operations.</summary>
    public static ActivitySource Source { get; } = new(Name);

    public static Meter Meter { get; } = new(Name);

    /// <summary>Task states of the MCP tasks extension, each reported (0 when none).</summary>
    public static readonly IReadOnlyList<string> TaskStatuses = ["working", "input_required", "completed", "failed", "cancelled"];

    private static readonly ConcurrentDictionary<string, CacheCounts> s_caches = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, BusCounts> s_buses = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, int> s_dependencies = new(StringComparer.Ordinal);
    private static readonly long[] s_tasks = new long[5];
    private static long s_sessions;
    private static long s_streams;
    private static long s_webSockets;
    private static long s_graphQLSubscriptions;

    static ContextHubTelemetry()
    {
        Meter.CreateObservableUpDownCounter("contexthub.mcp.sessions.active", () => Volatile.Read(ref s_sessions), "{session}",
            "Open MCP sessions (session-based revisions).");
        Meter.CreateObservableUpDownCounter("contexthub.http.streams.active", () => Volatile.Read(ref s_streams), "{stream}",
            "Open MCP Streamable HTTP server-sent event streams (GET streams, listens and streamed responses).");
        Meter.CreateObservableUpDownCounter("contexthub.websocket.connections.active", () => Volatile.Read(ref s_webSockets), "{connection}",
            "Open MCP WebSocket connections.");
        Meter.CreateObservableUpDownCounter("contexthub.graphql.subscriptions.active", () => Volatile.Read(ref s_graphQLSubscriptions),
            "{subscription}", "Running GraphQL subscriptions.");
        Meter.CreateObservableUpDownCounter("contexthub.tasks.active", ObserveTasks, "{task}", "MCP tasks held, by status.");
        Meter.CreateObservableCounter("contexthub.cache.hits", () => ObserveCache(static c => c.Hits), "{hit}", "Cache look-ups that found an entry, by cache level.");
        Meter.CreateObservableCounter("contexthub.cache.misses", () => ObserveCache(static c => c.Misses), "{miss}", "Cache look-ups that found nothing, by cache level.");
        Meter.CreateObservableCounter("contexthub.cache.evictions", () => ObserveCache(static c => c.Evictions), "{eviction}",
            "Entries the cache dropped before their time (size limit), by cache level.");
        Meter.CreateObservableCounter("contexthub.pubsub.messages.published", () => ObserveBus(static b => b.Published), "{message}",
            "Server events published on the notification bus, by backend.");
        Meter.CreateObservableCounter("contexthub.pubsub.messages.received", () => ObserveBus(static b => b.Received), "{message}",
            "Server events delivered to this replica's handlers, by backend.");
        Meter.CreateObservableGauge("contexthub.dependency.up", ObserveDependencies, "1",
            "1 when a dependency (knowledge store, Redis, Elasticsearch) answered its last readiness probe, else 0.");
    }

    public static void SessionOpened() => Interlocked.Increment(ref s_sessions);

    public static void SessionClosed() => Interlocked.Decrement(ref s_sessions);

    public static void StreamOpened() => Interlocked.Increment(ref s_streams);

    public static void StreamClosed() => Interlocked.Decrement(ref s_streams);

    public static void WebSocketOpened() => Interlocked.Increment(ref s_webSockets);

    public static void WebSocketClosed() => Interlocked.Decrement(ref s_webSockets);

    public static void GraphQLSubscriptionStarted() => Interlocked.Increment(ref s_graphQLSubscriptions);

    public static void GraphQLSubscriptionEnded() => Interlocked.Decrement(ref s_graphQLSubscriptions);

    /// <summary>A task moved from <paramref name="from"/> (null when new) to <paramref name="to"/> (null when forgotten).</summary>
    public static void TaskStatusChanged(string? from, string? to)
    {
        if (IndexOfTaskStatus(from) is var f and >= 0)
        {
            Interlocked.Decrement(ref s_tasks[f]);
        }

        if (IndexOfTaskStatus(to) is var t and >= 0)
        {
            Interlocked.Increment(ref s_tasks[t]);
        }
    }

    /// <summary>Makes a cache level's series exist (at 0) before its first look-up.</summary>
    public static void RegisterCacheLevel(string level) => s_caches.GetOrAdd(level, static _ => new CacheCounts());

    public static void CacheHit(string level) => Interlocked.Increment(ref s_caches.GetOrAdd(level, static _ => new CacheCounts()).Hits);

    public static void CacheMiss(string level) => Interlocked.Increment(ref s_caches.GetOrAdd(level, static _ => new CacheCounts()).Misses);

    public static void CacheEviction(string level) => Interlocked.Increment(ref s_caches.GetOrAdd(level, static _ => new CacheCounts()).Evictions);

    /// <summary>Makes a bus backend's series exist (at 0) before its first message.</summary>
    public static void RegisterBus(string backend) => s_buses.GetOrAdd(backend, static _ => new BusCounts());

    public static void MessagePublished(string backend) => Interlocked.Increment(ref s_buses.GetOrAdd(backend, static _ => new BusCounts()).Published);

    public static void MessageReceived(string backend) => Interlocked.Increment(ref s_buses.GetOrAdd(backend, static _ => new BusCounts()).Received);

    /// <summary>Records the last probe of a dependency (<c>knowledge_store</c>, <c>redis</c>, <c>elasticsearch</c>, …).</summary>
    public static void SetDependencyUp(string dependency, bool up) => s_dependencies[dependency] = up ? 1 : 0;

    /// <summary>The last recorded state of a dependency; null when it was never probed.</summary>
    public static bool? IsDependencyUp(string dependency) => s_dependencies.TryGetValue(dependency, out var up) ? up == 1 : null;

    private static int IndexOfTaskStatus(string? status)
    {
        for (var i = 0; status is not null && i < TaskStatuses.Count; i++)
        {
            if (TaskStatuses[i] == status)
            {
                return i;
            }
        }

        return -1;
    }

    private static IEnumerable<Measurement<long>> ObserveTasks()
    {
        for (var i = 0; i < TaskStatuses.Count; i++)
        {
            yield return new Measurement<long>(Volatile.Read(ref s_tasks[i]), new KeyValuePair<string, object?>("status", TaskStatuses[i]));
        }
    }

    private static IEnumerable<Measurement<long>> ObserveCache(Func<CacheCounts, long> read)
    {
        foreach (var (level, counts) in s_caches)
        {
            yield return new Measurement<long>(read(counts), new KeyValuePair<string, object?>("cache_level", level));
        }
    }

    private static IEnumerable<Measurement<long>> ObserveBus(Func<BusCounts, long> read)
    {
        foreach (var (backend, counts) in s_buses)
        {
            yield return new Measurement<long>(read(counts), new KeyValuePair<string, object?>("backend", backend));
        }
    }

    private static IEnumerable<Measurement<int>> ObserveDependencies()
    {
        foreach (var (dependency, up) in s_dependencies)
        {
            yield return new Measurement<int>(up, new KeyValuePair<string, object?>("dependency", dependency));
        }
    }

    private sealed class CacheCounts
    {
        public long Hits;
        public long Misses;
        public long Evictions;
    }

    private sealed class BusCounts
    {
        public long Published;
        public long Received;
    }
}
