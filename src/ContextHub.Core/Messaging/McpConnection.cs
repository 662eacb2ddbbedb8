using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ContextHub.Protocol;
using ContextHub.Sessions;

namespace ContextHub.Messaging;

/// <summary>
/// One full-duplex client connection (stdio, WebSocket): messages arrive one at a time, requests run concurrently,
/// and everything the server sends (results, notifications, requests) leaves through one serialized writer.
/// The connection is the session's stream after <c>initialize</c>.
/// </summary>
public sealed class McpConnection : IMcpChannel, IAsyncDisposable
{
    public delegate ValueTask SendMessage(ReadOnlyMemory<byte> message, CancellationToken cancellationToken);

    private readonly MessageManager _manager;
    private readonly SessionManager _sessions;
    private readonly McpCaller _caller;
    private readonly SendMessage _send;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly OutgoingRequests _statelessOutgoing = new();
    private readonly ConcurrentDictionary<Task, byte> _running = new();
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _inFlight = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _closing = new();
    private McpSession? _session;

    public McpConnection(MessageManager manager, McpCaller caller, SendMessage send)
    {
        _manager = manager;
        _sessions = manager.Service.Sessions;
        _caller = caller;
        _send = send;
    }

    public bool CanSendRequests => true;

    public McpSession? Session => _session;

    /// <summary>Takes one message as received; a request is started and this returns without waiting for it.</summary>
    public async ValueTask ReceiveAsync(ReadOnlyMemory<byte> message)
    {
        if (!System.Text.Unicode.Utf8.IsValid(message.Span))
        {
            // JSON is UTF-8; the reader checks strings only when they are read, so a bad byte would surface later as a crash.
            await WriteAsync(w => JsonRpcWriter.WriteError(w, default, McpErrorException.ParseError("the message is not valid UTF-8")));
            return;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(message);
        }
        catch (JsonException e)
        {
            await WriteAsync(w => JsonRpcWriter.WriteError(w, default, McpErrorException.ParseError(e.Message)));
            return;
        }

        var root = document.RootElement;
        if (root.ValueKind == JsonValueKind.Array)
        {
            Track(ProcessBatchAsync(document));
            return;
        }

        var kind = JsonRpcMessage.Classify(root, out var method, out var id, out var parameters, out var error);
        switch (kind)
        {
            case JsonRpcMessageKind.Invalid:
                using (document)
                {
                    await WriteAsync(w => JsonRpcWriter.WriteError(w, id, error!));
                }

                break;
            case JsonRpcMessageKind.Response:
                using (document)
                {
                    (_session?.OutgoingRequests ?? _statelessOutgoing).TryComplete(root);
                }

                break;
            case JsonRpcMessageKind.Notification:
                using (document)
                {
                    CancelIfAsked(method, parameters);
                    await _manager.ProcessNotificationAsync(NewRequest(method, id, parameters), _closing.Token);
                }

                break;
            default:
                Track(Task.Run(() => ProcessRequestAsync(document, method, id, parameters)));
                break;
        }
    }

    private async Task ProcessRequestAsync(JsonDocument document, string method, JsonElement id, JsonElement parameters)
    {
        using (document)
        {
            var request = NewRequest(method, id, parameters);
            using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(_closing.Token);
            _inFlight[request.IdText] = cancellation;
            try
            {
                var bytes = await HandleAsync(request, cancellation.Token);
                if (bytes is not null)
                {
                    await SendAsync(bytes);
                }
            }
            finally
            {
                _inFlight.TryRemove(request.IdText, out _);
            }
        }
    }

    /// <summary><c>notifications/cancelled</c> stops a request this connection runs (stateless ones have no session to do it).</summary>
    private void CancelIfAsked(string method, JsonElement parameters)
    {
        if (method == "notifications/cancelled" && parameters.ValueKind == JsonValueKind.Object
            && parameters.TryGetProperty("requestId"u8, out var id)
            && _inFlight.TryGetValue(id.ValueKind == JsonValueKind.String ? id.GetString()! : id.GetRawText(), out var cancellation))
        {
            try
            {
                cancellation.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // It finished as the cancellation arrived.
            }
        }
    }

    private async Task ProcessBatchAsync(JsonDocument document)
    {
        using (document)
        {
            if (_session is not { } session || !JsonRpcBatch.Allowed(session))
            {
                await WriteAsync(w => JsonRpcWriter.WriteError(w, default, JsonRpcBatch.NotAllowed()));
                return;
            }

            if (await _manager.ProcessBatchAsync(document.RootElement, session, NewRequest, _closing.Token) is { } answers)
            {
                await SendAsync(answers);
            }
        }
    }

    /// <summary>Runs one request through the Message Manager and returns the bytes of its answer (null when cancelled).</summary>
    private async Task<byte[]?> HandleAsync(McpRequest request, CancellationToken cancellationToken)
    {
        try
        {
            var result = await _manager.ProcessAsync(request, cancellationToken);
            if (request.Method == "initialize" && request.Session is { } created && _session is null)
            {
                _session = created;
                created.TryAttachStandaloneChannel(this);
            }

            return JsonRpcWriter.ToBytes(w => JsonRpcWriter.WriteResult(w, request.Id, result));
        }
        catch (McpErrorException e)
        {
            return JsonRpcWriter.ToBytes(w => JsonRpcWriter.WriteError(w, request.Id, e));
        }
        catch (OperationCanceledException)
        {
            // A cancelled request gets no answer (the client said it no longer wants one).
            return null;
        }
    }

    private McpRequest NewRequest(string method, JsonElement id, JsonElement parameters) => new()
    {
        Method = method,
        Id = id,
        Params = parameters,
        Caller = _caller,
        Session = _session,
        Channel = this,
    };

    public ValueTask SendNotificationAsync(string method, object? parameters, JsonTypeInfo? typeInfo, CancellationToken cancellationToken) =>
        WriteAsync(w => JsonRpcWriter.WriteNotification(w, method, parameters, typeInfo), cancellationToken);

    public async Task<JsonElement> SendRequestAsync(string method, object? parameters, JsonTypeInfo? typeInfo, CancellationToken cancellationToken)
    {
        var (id, response) = await (_session?.OutgoingRequests ?? _statelessOutgoing).RegisterAsync(cancellationToken);
        await WriteAsync(w => JsonRpcWriter.WriteRequest(w, id, method, parameters, typeInfo), cancellationToken);
        return await response;
    }

    private ValueTask WriteAsync(Action<Utf8JsonWriter> write, CancellationToken cancellationToken = default) =>
        SendAsync(JsonRpcWriter.ToBytes(write), cancellationToken);

    private async ValueTask SendAsync(byte[] bytes, CancellationToken cancellationToken = default)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await _send(bytes, cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private void Track(Task task)
    {
        _running[task] = 0;
        _ = task.ContinueWith(t => _running.TryRemove(t, out _), TaskScheduler.Default);
    }

    /// <summary>Stops running requests, waits for them, and ends the session.</summary>
    public async ValueTask DisposeAsync()
    {
        await _closing.CancelAsync();
        try
        {
            await Task.WhenAll(_running.Keys).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception)
        {
            // Requests end with the connection; their failures have nowhere to go.
        }

        _statelessOutgoing.FailAll(new OperationCanceledException("The connection closed."));
        if (_session is { } session)
        {
            session.DetachStandaloneChannel(this);
            _sessions.Remove(session.Id);
        }

        _closing.Dispose();
        _writeLock.Dispose();
    }
}
