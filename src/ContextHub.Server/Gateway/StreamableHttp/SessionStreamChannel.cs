using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ContextHub.Protocol;
using ContextHub.Sessions;

namespace ContextHub.Server.Gateway.StreamableHttp;

/// <summary>
/// A session's GET stream: messages not tied to a request (list changes, resource updates, server requests). Each
/// event carries the id the <see cref="ISessionEventStore"/> gave it, so a client reconnecting with <c>Last-Event-ID</c>
/// (here or on another replica) gets what it missed; an event already written (by the replay) is not written again.
/// </summary>
internal sealed class SessionStreamChannel(HttpContext context, McpSession session, ISessionEventStore events) : IResumableChannel
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    /// <summary>The newest event the replay wrote: live events up to it were in the replay (ids grow in append order).</summary>
    private string? _replayedUpTo;

    public bool CanSendRequests => true;

    public async ValueTask SendNotificationAsync(string method, object? parameters, JsonTypeInfo? typeInfo, CancellationToken cancellationToken)
    {
        var message = JsonRpcWriter.ToBytes(w => JsonRpcWriter.WriteNotification(w, method, parameters, typeInfo));
        await WriteAsync(await RecordAsync(message, cancellationToken), message, cancellationToken);
    }

    public async Task<JsonElement> SendRequestAsync(string method, object? parameters, JsonTypeInfo? typeInfo, CancellationToken cancellationToken)
    {
        var (id, response) = await session.OutgoingRequests.RegisterAsync(cancellationToken);
        var message = JsonRpcWriter.ToBytes(w => JsonRpcWriter.WriteRequest(w, id, method, parameters, typeInfo));
        await WriteAsync(await RecordAsync(message, cancellationToken), message, cancellationToken);
        return await response;
    }

    public async ValueTask<bool> RelayRequestAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        await WriteAsync(await RecordAsync(message.ToArray(), cancellationToken), message, cancellationToken);
        return true;
    }

    public ValueTask SendEventAsync(string? eventId, ReadOnlyMemory<byte> message, CancellationToken cancellationToken) =>
        WriteAsync(eventId, message, cancellationToken);

    /// <summary>
    /// Attaches this stream to its session and first writes what the client missed after <paramref name="lastEventId"/>;
    /// live events wait meanwhile, so everything arrives in order. False when the session already has a stream.
    /// </summary>
    public async ValueTask<bool> OpenAsync(string? lastEventId, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            if (!session.TryAttachStandaloneChannel(this))
            {
                return false;
            }

            StartResponse();
            if (SessionEventIds.TryParse(lastEventId, out _))
            {
                _replayedUpTo = lastEventId;
                foreach (var missed in await events.ReadAfterAsync(session.Id, lastEventId!, cancellationToken))
                {
                    SseWriter.WriteEvent(context.Response.BodyWriter, missed.Message.Span, missed.Id);
                    _replayedUpTo = missed.Id;
                }
            }

            await context.Response.BodyWriter.FlushAsync(cancellationToken);
            return true;
        }
        finally
        {
            _lock.Release();
        }
    }

    private void StartResponse()
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache, no-store";
        response.Headers["X-Accel-Buffering"] = "no";
    }

    public async ValueTask KeepAliveAsync(CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            SseWriter.WriteKeepAlive(context.Response.BodyWriter);
            await context.Response.BodyWriter.FlushAsync(cancellationToken);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>A message sent on this stream alone (a request to the client) is recorded too; without the store it goes without an id.</summary>
    private async ValueTask<string?> RecordAsync(byte[] message, CancellationToken cancellationToken)
    {
        try
        {
            return (await events.AppendAsync(Guid.NewGuid().ToString("N"), [session.Id], message, cancellationToken))[0];
        }
        catch (McpErrorException)
        {
            return null;
        }
    }

    private async ValueTask WriteAsync(string? eventId, ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, context.RequestAborted);
        await _lock.WaitAsync(linked.Token);
        try
        {
            if (eventId is not null && _replayedUpTo is not null && !SessionEventIds.IsAfter(eventId, _replayedUpTo))
            {
                return; // written already by the replay
            }

            SseWriter.WriteEvent(context.Response.BodyWriter, message.Span, eventId);
            await context.Response.BodyWriter.FlushAsync(linked.Token);
        }
        finally
        {
            _lock.Release();
        }
    }
}
