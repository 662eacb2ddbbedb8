using ContextHub.Messaging;

namespace ContextHub.Sessions;

/// <summary>A session's standalone stream whose events carry ids from the <see cref="ISessionEventStore"/>, so it can be resumed.</summary>
public interface IResumableChannel : IMcpChannel
{
    /// <summary>Writes an event already recorded in the store (<see cref="SessionEvent.Id"/> null when the store could not take it).</summary>
    ValueTask SendEventAsync(string? eventId, ReadOnlyMemory<byte> message, CancellationToken cancellationToken);
}
