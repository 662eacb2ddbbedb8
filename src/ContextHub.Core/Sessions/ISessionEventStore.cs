namespace ContextHub.Sessions;

/// <summary>
/// Keeps the recent events of each session's stream (bounded), so a client that reconnects with <c>Last-Event-ID</c>,
/// to this replica or another, gets what it missed, in order, once. In-process by default, Redis Streams at scale.
/// </summary>
public interface ISessionEventStore
{
    /// <summary>
    /// Appends <paramref name="message"/> to the stream of each session in <paramref name="sessionIds"/> and returns each
    /// one's event id, in the same order. The same <paramref name="occurrenceId"/> appended again (by another replica
    /// delivering the same event) is not appended twice: the first ids come back.
    /// </summary>
    ValueTask<string[]> AppendAsync(string occurrenceId, IReadOnlyList<string> sessionIds, ReadOnlyMemory<byte> message, CancellationToken cancellationToken);

    /// <summary>The events after <paramref name="lastEventId"/>, oldest first (empty when the id is not one of this store's).</summary>
    ValueTask<IReadOnlyList<SessionEvent>> ReadAfterAsync(string sessionId, string lastEventId, CancellationToken cancellationToken);
}

/// <summary>One event of a session stream: its id and the JSON-RPC message.</summary>
public readonly record struct SessionEvent(string Id, ReadOnlyMemory<byte> Message);

/// <summary>Event ids look like Redis stream ids (<c>milliseconds-sequence</c>); they grow within one session's stream.</summary>
public static class SessionEventIds
{
    public static bool TryParse(string? id, out (long High, long Low) value)
    {
        value = default;
        if (string.IsNullOrEmpty(id))
        {
            return false;
        }

        var dash = id.IndexOf('-', StringComparison.Ordinal);
        return dash > 0 && long.TryParse(id.AsSpan(0, dash), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out value.High)
            && long.TryParse(id.AsSpan(dash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out value.Low);
    }

    /// <summary>True when <paramref name="id"/> comes after <paramref name="than"/> (an id that does not parse never does).</summary>
    public static bool IsAfter(string id, string? than)
    {
        if (than is null)
        {
            return true;
        }

        return TryParse(id, out var a) && TryParse(than, out var b) && (a.High > b.High || (a.High == b.High && a.Low > b.Low));
    }
}
