using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ContextHub.Messaging;
using ContextHub.Protocol;
using ContextHub.Sessions;

namespace ContextHub.Server.Gateway.StreamableHttp;

/// <summary>
/// The way back to the client for one POST: the response starts as plain JSON and turns into an SSE stream the
/// moment the handler sends a notification or a request before its result (only when the client accepts SSE).
/// A quick call thus costs one JSON body; a call with progress streams.
/// </summary>
internal sealed class HttpResponseChannel : IMcpChannel
{
    private readonly HttpContext _context;
    private readonly bool _acceptsSse;
    /// <summary>Marks a response that completed before anything streamed (no lock was ever needed).</summary>
    private static readonly SemaphoreSlim CompletedWithoutStreaming = new(0, 1);

    private readonly OutgoingRequests? _outgoing;
    private SemaphoreSlim? _lock;
    private bool _streaming;
    private bool _completed;

    public HttpResponseChannel(HttpContext context, bool acceptsSse, McpSession? session)
    {
        _context = context;
        _acceptsSse = acceptsSse;
        _outgoing = session?.OutgoingRequests;
    }

    /// <summary>Requests need a stream and, in the session revisions, a session to route the client's answer.</summary>
    public bool CanSendRequests => _acceptsSse && _outgoing is not null;

    public bool IsStreaming => _streaming;

    public async ValueTask SendNotificationAsync(string method, object? parameters, JsonTypeInfo? typeInfo, CancellationToken cancellationToken)
    {
        if (!_acceptsSse)
        {
            return;
        }

        var bytes = JsonRpcWriter.ToBytes(w => JsonRpcWriter.WriteNotification(w, method, parameters, typeInfo));
        await WriteEventAsync(bytes, cancellationToken);
    }

    public async Task<JsonElement> SendRequestAsync(string method, object? parameters, JsonTypeInfo? typeInfo, CancellationToken cancellationToken)
    {
        if (!CanSendRequests)
        {
            throw new InvalidOperationException("This response cannot carry requests to the client.");
        }

        var (id, response) = await _outgoing!.RegisterAsync(cancellationToken);
        var bytes = JsonRpcWriter.ToBytes(w => JsonRpcWriter.WriteRequest(w, id, method, parameters, typeInfo));
        await WriteEventAsync(bytes, cancellationToken);
        return await response;
    }

    public async ValueTask<bool> RelayRequestAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        if (!CanSendRequests)
        {
            return false;
        }

        await WriteEventAsync(message.ToArray(), cancellationToken);
        return true;
    }

    /// <summary>Writes the final answer: as the last SSE event when streaming, else as a JSON body.</summary>
    public async Task CompleteAsync(ReadOnlyMemory<byte> answer, int statusCode, CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _lock, CompletedWithoutStreaming, null) is null)
        {
            // Nothing streamed and nothing can start now: a plain JSON answer, no lock taken.
            _completed = true;
            await WriteJsonAsync(answer, statusCode, cancellationToken);
            return;
        }

        var gate = _lock!;
        await gate.WaitAsync(cancellationToken);
        try
        {
            _completed = true;
            if (_streaming)
            {
                SseWriter.WriteEvent(_context.Response.BodyWriter, answer.Span);
                await _context.Response.BodyWriter.FlushAsync(cancellationToken);
                return;
            }

            await WriteJsonAsync(answer, statusCode, cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }

    private Task WriteJsonAsync(ReadOnlyMemory<byte> answer, int statusCode, CancellationToken cancellationToken)
    {
        var response = _context.Response;
        response.StatusCode = statusCode;
        response.ContentType = "application/json";
        response.ContentLength = answer.Length;
        return response.Body.WriteAsync(answer, cancellationToken).AsTask();
    }

    private async ValueTask WriteEventAsync(byte[] message, CancellationToken cancellationToken)
    {
        var gate = Volatile.Read(ref _lock) ?? Interlocked.CompareExchange(ref _lock, new SemaphoreSlim(1, 1), null) ?? _lock!;
        if (ReferenceEquals(gate, CompletedWithoutStreaming))
        {
            return; // the result is out; a late notification has nowhere to go on this response
        }

        await gate.WaitAsync(cancellationToken);
        try
        {
            if (_completed)
            {
                // The result is out; a late notification has nowhere to go on this response.
                return;
            }

            if (!_streaming)
            {
                _streaming = true;
                var response = _context.Response;
                ContextHub.Storage.Telemetry.ContextHubTelemetry.StreamOpened();
                response.OnCompleted(static () =>
                {
                    ContextHub.Storage.Telemetry.ContextHubTelemetry.StreamClosed();
                    return Task.CompletedTask;
                });
                response.StatusCode = StatusCodes.Status200OK;
                response.ContentType = "text/event-stream";
                response.Headers.CacheControl = "no-cache, no-store";
                response.Headers["X-Accel-Buffering"] = "no";
            }

            SseWriter.WriteEvent(_context.Response.BodyWriter, message);
            await _context.Response.BodyWriter.FlushAsync(cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }
}
