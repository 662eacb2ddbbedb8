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

    public (long Id, Task<JsonElement> Response) Register(CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _nextId);
        var tcs = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = tcs;
        if (cancellationToken.CanBeCanceled)
        {
            var registration = cancellationToken.Register(() =>
            {
                if (_pending.TryRemove(id, out var pending))
                {
                    pending.TrySetCanceled(cancellationToken);
                }
            });
            _ = tcs.Task.ContinueWith(_ => registration.Dispose(), TaskScheduler.Default);
        }

        return (id, tcs.Task);
    }

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
