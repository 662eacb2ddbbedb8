using System.Collections.Concurrent;
using System.Text.Json;
using ContextHub.Protocol;

namespace ContextHub.Messaging;

/// <summary>Matches the client's answers to the requests the server sent it, by id.</summary>
public sealed class OutgoingRequests
{
    private readonly ConcurrentDictionary<long, TaskCompletionSource<JsonElement>> _pending = new();
    // Random start: copies of one session on several replicas each send requests, and an answer forwarded between
    // replicas must complete the right one (ids stay below 2^53, exact in every JSON parser).
    private long _nextId = Random.Shared.NextInt64(1, 1L << 40) << 12;

    /// <summary>
    /// Where a shared session writes down the requests it awaits (set by the session manager), so that an answer reaching
    /// any replica is taken once and an answer to no awaited request is refused; null for a session of one process.
    /// </summary>
    internal IAnswerLedger? Ledger { get; set; }

    /// <summary>
    /// Registers a request before it is sent; for a shared session it is written down first (an answer may reach another
    /// replica before this call returns).
    /// </summary>
    public async ValueTask<(long Id, Task<JsonElement> Response)> RegisterAsync(CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _nextId);
        if (Ledger is { } ledger)
        {
            await ledger.ExpectAsync(id, cancellationToken);
        }

        var tcs = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = tcs;
        if (cancellationToken.CanBeCanceled)
        {
            var registration = cancellationToken.Register(() =>
            {
                if (_pending.TryRemove(id, out var pending))
                {
                    pending.TrySetCanceled(cancellationToken);
                    Ledger?.Forget(id); // no longer awaited: a late answer is refused
                }
            });
            _ = tcs.Task.ContinueWith(_ => registration.Dispose(), TaskScheduler.Default);
        }

        return (id, tcs.Task);
    }

    /// <summary>True when this copy awaits an answer with that id.</summary>
    public bool IsPending(long id) => _pending.ContainsKey(id);

    /// <summary>Completes the request the response answers; false when no request with that id is waiting.</summary>
    public bool TryComplete(JsonElement message)
    {
        if (!message.TryGetProperty("id"u8, out var idElement) || !idElement.TryGetInt64(out var id)
            || !_pending.TryRemove(id, out var tcs))
        {
            return false;
        }

        if (message.TryGetProperty("error"u8, out var error))
        {
            var code = error.TryGetProperty("code"u8, out var c) && c.TryGetInt32(out var n) ? n : McpProtocol.ErrorCodes.InternalError;
            var text = error.TryGetProperty("message"u8, out var m) ? m.GetString() ?? "" : "";
            tcs.TrySetException(new McpErrorException(code, text));
        }
        else
        {
            tcs.TrySetResult(message.TryGetProperty("result"u8, out var result) ? result.Clone() : default);
        }

        return true;
    }

    /// <summary>The id a response answers, if it names one this server could have sent.</summary>
    public static bool TryReadId(JsonElement message, out long id)
    {
        id = 0;
        return message.TryGetProperty("id"u8, out var idElement) && idElement.TryGetInt64(out id);
    }

    public void FailAll(Exception reason)
    {
        foreach (var id in _pending.Keys)
        {
            if (_pending.TryRemove(id, out var tcs))
            {
                tcs.TrySetException(reason);
            }
        }
    }
}

/// <summary>The requests a shared session awaits answers to, kept where every replica sees them.</summary>
internal interface IAnswerLedger
{
    /// <summary>Writes down that request <paramref name="id"/> awaits an answer; throws when that cannot be done (the store is away).</summary>
    ValueTask ExpectAsync(long id, CancellationToken cancellationToken);

    /// <summary>The request is no longer awaited (cancelled here); best effort.</summary>
    void Forget(long id);
}
