using System.Diagnostics;
using System.Diagnostics.Tracing;

namespace ContextHub.Storage.Telemetry;

/// <summary>
/// The hops of one server event on its way to the clients, for finding where fan-out latency goes: raised on the
/// bus, sent to Redis, received from Redis on another replica, recorded in the session streams, written to each
/// stream. Off unless a trace session enables it (EventPipe: <c>dotnet-trace collect --providers ContextHub-Notifications</c>,
/// or bench/ContextHub.FanOut <c>--trace</c>); each event carries <see cref="Stopwatch.GetTimestamp"/>, one
/// monotonic clock for every process of the machine, so hops in two replicas and a client line up.
/// </summary>
[EventSource(Name = SourceName)]
public sealed class NotificationEventSource : EventSource
{
    public const string SourceName = "ContextHub-Notifications";

    public static readonly NotificationEventSource Log = new();

    private NotificationEventSource()
    {
    }

    /// <summary>An event starts through this process's bus (raised here, or received from another replica).</summary>
    [Event(1, Level = EventLevel.Informational)]
    public void Delivering(string occurrence, bool fromElsewhere, long timestamp) => WriteEvent(1, occurrence, fromElsewhere, timestamp);

    /// <summary>Redis took the event for the other replicas.</summary>
    [Event(2, Level = EventLevel.Informational)]
    public void BackplaneSent(string occurrence, long timestamp) => WriteEvent(2, occurrence, timestamp);

    /// <summary>The event arrived from another replica (the Redis subscription's handler runs).</summary>
    [Event(3, Level = EventLevel.Informational)]
    public void BackplaneReceived(string occurrence, long timestamp) => WriteEvent(3, occurrence, timestamp);

    /// <summary>The notification hub starts on the event; <paramref name="streams"/> sessions and listeners want it.</summary>
    [Event(4, Level = EventLevel.Informational)]
    public void Dispatching(string occurrence, int streams, long timestamp) => WriteEvent(4, occurrence, streams, timestamp);

    /// <summary>The event is in the session streams (resumable), before it is written to any client.</summary>
    [Event(5, Level = EventLevel.Informational)]
    public void Recorded(string occurrence, long timestamp) => WriteEvent(5, occurrence, timestamp);

    /// <summary>The event was written and flushed to one session's stream.</summary>
    [Event(6, Level = EventLevel.Informational)]
    public void Written(string occurrence, string session, long timestamp) => WriteEvent(6, occurrence, session, timestamp);

    /// <summary>The hub finished the event on every stream of this process (<paramref name="pending"/> writes did not complete at once).</summary>
    [Event(7, Level = EventLevel.Informational)]
    public void Dispatched(string occurrence, int pending, long timestamp) => WriteEvent(7, occurrence, pending, timestamp);
}
