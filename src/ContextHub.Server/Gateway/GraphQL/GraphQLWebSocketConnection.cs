using System.Buffers;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;
using ContextHub.Messaging;
using GraphQL;
using GraphQL.Execution;
using GraphQL.Transport;
using GraphQLParser.AST;
using Microsoft.Extensions.Primitives;

namespace ContextHub.Server.Gateway.GraphQL;

/// <summary>
/// One WebSocket speaking <c>graphql-transport-ws</c>: <c>connection_init</c>/<c>connection_ack</c>, <c>ping</c>/<c>pong</c>,
/// <c>subscribe</c> answered by <c>next</c>…<c>complete</c> (or <c>error</c>), <c>complete</c> from the client to stop.
/// Protocol violations close the socket with the protocol's codes: 4400 invalid message, 4401 subscribe before the
/// acknowledgement, 4403 forbidden, 4406 missing subprotocol, 4408 no <c>connection_init</c> in time, 4409 an id already
/// in use, 4429 a second <c>connection_init</c>; 1009 for a message over the size limit.
/// </summary>
internal sealed partial class GraphQLWebSocketConnection
{
    public const string SubProtocol = "graphql-transport-ws";

    private readonly WebSocket _socket;
    private readonly GraphQLExecutor _executor;
    private readonly IServiceProvider _services;
    private GraphQLUserContext _user;
    private readonly ILogger _logger;
    private readonly long _maxMessageBytes;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly ConcurrentDictionary<string, Operation> _operations = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping;
    private readonly CancellationTokenSource _receiving = new();
    private int _initialised;
    private volatile bool _acknowledged;
    private int _closed;
    private readonly System.Net.IPAddress? _remote;

    private GraphQLWebSocketConnection(WebSocket socket, GraphQLExecutor executor, HttpContext context, long maxMessageBytes, ILogger logger,
        CancellationToken stopping)
    {
        _socket = socket;
        _executor = executor;
        _services = context.RequestServices;
        _user = new GraphQLUserContext(Security.HttpCallerExtensions.GetCaller(context, McpTransportKind.GraphQL));
        _remote = context.Connection.RemoteIpAddress;
        _maxMessageBytes = maxMessageBytes;
        _logger = logger;
        _stopping = CancellationTokenSource.CreateLinkedTokenSource(stopping);
    }

    /// <summary>Accepts the upgrade and serves the socket until either side closes it.</summary>
    public static async Task RunAsync(HttpContext context, GraphQLExecutor executor, bool originAllowed, long maxMessageBytes, ILogger logger,
        CancellationToken stopping)
    {
        var speaks = context.WebSockets.WebSocketRequestedProtocols.Contains(SubProtocol);
        using var socket = await context.WebSockets.AcceptWebSocketAsync(speaks ? SubProtocol : null);
        var connection = new GraphQLWebSocketConnection(socket, executor, context, maxMessageBytes, logger, stopping);
        try
        {
            if (!speaks)
            {
                await connection.CloseAsync(4406, "Subprotocol not acceptable: use graphql-transport-ws");
            }
            else if (!originAllowed)
            {
                await connection.CloseAsync(4403, "Forbidden: origin not allowed");
            }
            else
            {
                _ = connection.WatchInitialisationAsync(executor.Options.ConnectionInitWaitTimeout);
            }

            await connection.ReceiveLoopAsync();
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            LogSocketEnded(logger, e.Message);
        }
        finally
        {
            connection.StopAll();
            await connection._stopping.CancelAsync();
        }
    }

    private async Task WatchInitialisationAsync(TimeSpan timeout)
    {
        try
        {
            await Task.Delay(timeout, _stopping.Token);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        if (Volatile.Read(ref _initialised) == 0)
        {
            await CloseAsync(4408, "Connection initialisation timeout");
        }
    }

    private async Task ReceiveLoopAsync()
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token, _receiving.Token);
        var frame = ArrayPool<byte>.Shared.Rent(16 * 1024);
        var message = new ArrayBufferWriter<byte>(16 * 1024);
        try
        {
            while (true)
            {
                var received = await _socket.ReceiveAsync(frame.AsMemory(), linked.Token);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    await CloseAsync(1000, "Normal closure");
                    return;
                }

                if (Volatile.Read(ref _closed) == 1)
                {
                    continue;
                }

                if (message.WrittenCount + received.Count > _maxMessageBytes)
                {
                    await CloseAsync(1009, $"Message too big: the limit is {_maxMessageBytes} bytes (ContextHub:Gateway:MaxRequestBodyBytes)");
                    message.ResetWrittenCount();
                    continue;
                }

                message.Write(frame.AsSpan(0, received.Count));
                if (!received.EndOfMessage)
                {
                    continue;
                }

                if (received.MessageType == WebSocketMessageType.Binary)
                {
                    await CloseAsync(4400, "Invalid message received: messages are JSON text");
                }
                else
                {
                    await HandleAsync(message.WrittenMemory);
                }

                message.ResetWrittenCount();
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frame);
        }
    }

    private async Task HandleAsync(ReadOnlyMemory<byte> bytes)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes);
        }
        catch (JsonException)
        {
            await CloseAsync(4400, "Invalid message received: not JSON");
            return;
        }

        using (document)
        {
            var root = document.RootElement;
            var type = root.Text("type");
            switch (type)
            {
                case "connection_init":
                    if (root.Get("payload").ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Object))
                    {
                        await CloseAsync(4400, "Invalid message received: connection_init payload must be an object");
                    }
                    else if (Interlocked.Exchange(ref _initialised, 1) == 1)
                    {
                        await CloseAsync(4429, "Too many initialisation requests");
                    }
                    else if (await AuthenticateAsync(root.Get("payload")) is { } refusal)
                    {
                        await CloseAsync(4403, "Forbidden: " + refusal);
                    }
                    else
                    {
                        await SendAsync(null, "connection_ack", null);
                        _acknowledged = true;
                    }

                    break;
                case "ping":
                    await SendAsync(null, "pong", null);
                    break;
                case "pong":
                    break;
                case "subscribe":
                    await SubscribeAsync(root);
                    break;
                case "complete":
                    if (root.Text("id") is not { Length: > 0 } id)
                    {
                        await CloseAsync(4400, "Invalid message received: complete needs an id");
                    }
                    else if (_operations.TryRemove(id, out var operation))
                    {
                        operation.Stop();
                    }

                    break;
                default:
                    await CloseAsync(4400, type is null ? "Invalid message received: no type" : $"Invalid message received: unexpected type '{type}'");
                    break;
            }
        }
    }

    /// <summary>
    /// Credentials in the <c>connection_init</c> payload (<c>Authorization: "Bearer …"</c> or <c>X-API-Key</c>/<c>apiKey</c>),
    /// for clients that cannot set headers on the upgrade, under the rules and errors of the HTTP doors; returns why the
    /// connection is refused, or null.
    /// </summary>
    private async Task<string?> AuthenticateAsync(JsonElement payload)
    {
        var authenticator = _services.GetRequiredService<Security.CallerAuthenticator>();
        var credential = CredentialOf(payload, out var malformed);
        if (malformed is not null)
        {
            return malformed;
        }

        if (credential is null)
        {
            return authenticator.RequireAuthentication && _user.Caller.AuthKind == McpAuthKind.Anonymous
                ? "authentication required (send Authorization: Bearer ... in the connection_init payload)"
                : null;
        }

        var (caller, error) = await authenticator.AuthenticateAsync(credential, McpTransportKind.GraphQL, _remote);
        if (caller is null)
        {
            return error;
        }

        _user = new GraphQLUserContext(caller);
        return null;
    }

    /// <summary>The payload's fields read as HTTP headers are (names in any case; <c>apiKey</c> is another name for X-API-Key).</summary>
    private static string? CredentialOf(JsonElement payload, out string? error)
    {
        List<string?>? authorization = null;
        List<string?>? apiKey = null;
        if (payload.ValueKind == JsonValueKind.Object)
        {
            foreach (var field in payload.EnumerateObject())
            {
                if (field.Value.ValueKind == JsonValueKind.Null)
                {
                    continue;
                }

                var value = field.Value.ValueKind == JsonValueKind.String ? field.Value.GetString() : field.Value.GetRawText();
                if (field.Name.Equals("Authorization", StringComparison.OrdinalIgnoreCase))
                {
                    (authorization ??= []).Add(value);
                }
                else if (field.Name.Equals(Security.CallerAuthenticator.ApiKeyHeader, StringComparison.OrdinalIgnoreCase)
                    || field.Name.Equals("apiKey", StringComparison.OrdinalIgnoreCase))
                {
                    (apiKey ??= []).Add(value);
                }
            }
        }

        return Security.CallerAuthenticator.ReadCredential(new StringValues(authorization?.ToArray()), new StringValues(apiKey?.ToArray()), out error);
    }

    private async Task SubscribeAsync(JsonElement message)
    {
        if (!_acknowledged)
        {
            await CloseAsync(4401, "Unauthorized");
            return;
        }

        var id = message.Text("id");
        var payload = message.Get("payload");
        var query = payload.Get("query");
        var operationName = payload.Get("operationName");
        var variables = payload.Get("variables");
        var extensions = payload.Get("extensions");
        if (id is not { Length: > 0 } || payload.ValueKind != JsonValueKind.Object || query.ValueKind != JsonValueKind.String
            || operationName.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.String)
            || variables.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Object)
            || extensions.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Object))
        {
            await CloseAsync(4400, "Invalid message received: subscribe needs an id and a payload with a query string");
            return;
        }

        var request = new GraphQLRequest
        {
            Query = query.GetString(),
            OperationName = operationName.ValueKind == JsonValueKind.String ? operationName.GetString() : null,
            Variables = variables.ValueKind == JsonValueKind.Object ? _executor.Serializer.ReadNode<Inputs>(variables) : null,
            Extensions = extensions.ValueKind == JsonValueKind.Object ? _executor.Serializer.ReadNode<Inputs>(extensions) : null,
        };
        var operation = new Operation(id, _stopping.Token);
        if (_operations.Count >= _executor.Options.MaxOperationsPerConnection)
        {
            await SendErrorsAsync(id, [new ExecutionError(
                $"Too many operations on this connection: the limit is {_executor.Options.MaxOperationsPerConnection} (ContextHub:GraphQL:MaxOperationsPerConnection).")
                { Code = "TOO_MANY_OPERATIONS" }]);
            return;
        }

        if (!_operations.TryAdd(id, operation))
        {
            await CloseAsync(4409, $"Subscriber for {id} already exists");
            return;
        }

        _ = RunOperationAsync(operation, request);
    }

    private async Task RunOperationAsync(Operation operation, GraphQLRequest request)
    {
        try
        {
            GraphQLDocument? document = null;
            try
            {
                document = new GraphQLDocumentBuilder().Build(request.Query!);
            }
            catch (Exception)
            {
                // The executer parses again and reports the syntax error.
            }

            var isSubscription = document is not null && GraphQLExecutor.SelectOperation(document, request.OperationName)?.Operation == OperationType.Subscription;
            var result = await _executor.ExecuteAsync(request, document, _services, _user, operation.Token);
            if (operation.Token.IsCancellationRequested)
            {
                return;
            }

            if (result.Streams is { Count: > 0 } streams)
            {
                ContextHub.Storage.Telemetry.ContextHubTelemetry.GraphQLSubscriptionStarted();
                try
                {
                    var pump = PumpAsync(operation);
                    operation.Attach(streams.Values.First().Subscribe(new Observer(operation.Events)));
                    await pump;
                }
                finally
                {
                    ContextHub.Storage.Telemetry.ContextHubTelemetry.GraphQLSubscriptionEnded();
                }

                return;
            }

            if (!result.Executed || (isSubscription && result.Errors is { Count: > 0 }))
            {
                await SendErrorsAsync(operation.Id, result.Errors ?? []);
                return;
            }

            await SendAsync(operation.Id, "next", result);
            await SendAsync(operation.Id, "complete", null);
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            // The client stopped the operation or went away.
        }
        catch (Exception e)
        {
            LogOperationFailed(_logger, e, operation.Id);
            await CloseAsync(1011, "Internal error");
        }
        finally
        {
            if (_operations.TryGetValue(operation.Id, out var current) && current == operation)
            {
                _operations.TryRemove(operation.Id, out _);
            }

            operation.Stop();
        }
    }

    /// <summary>Sends a subscription's events in order: each result as <c>next</c>, then <c>complete</c> or <c>error</c>.</summary>
    private async Task PumpAsync(Operation operation)
    {
        await foreach (var item in operation.Events.Reader.ReadAllAsync(operation.Token))
        {
            switch (item)
            {
                case ExecutionResult result:
                    await SendAsync(operation.Id, "next", result);
                    break;
                case ExecutionError error:
                    await SendErrorsAsync(operation.Id, [error]);
                    return;
                default:
                    await SendAsync(operation.Id, "complete", null);
                    return;
            }
        }
    }

    private Task SendErrorsAsync(string id, ExecutionErrors errors)
    {
        using var document = JsonDocument.Parse(_executor.Serializer.Serialize(new ExecutionResult { Errors = errors }));
        var list = document.RootElement.Get("errors");
        return SendRawAsync(id, "error", list.ValueKind == JsonValueKind.Array ? list.GetRawText() : "[]");
    }

    private Task SendAsync(string? id, string type, ExecutionResult? payload) =>
        SendRawAsync(id, type, payload is null ? null : _executor.Serializer.Serialize(payload));

    private async Task SendRawAsync(string? id, string type, string? payload)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (id is not null)
            {
                writer.WriteString("id"u8, id);
            }

            writer.WriteString("type"u8, type);
            if (payload is not null)
            {
                writer.WritePropertyName("payload"u8);
                writer.WriteRawValue(payload, skipInputValidation: true);
            }

            writer.WriteEndObject();
        }

        await _sendLock.WaitAsync(_stopping.Token);
        try
        {
            if (_socket.State == WebSocketState.Open && Volatile.Read(ref _closed) == 0)
            {
                await _socket.SendAsync(buffer.WrittenMemory, WebSocketMessageType.Text, endOfMessage: true, _stopping.Token);
            }
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Closes with a code and reason, stops every operation, and gives the client a moment to answer the close.</summary>
    private async Task CloseAsync(int code, string reason)
    {
        if (Interlocked.Exchange(ref _closed, 1) == 1)
        {
            return;
        }

        StopAll();
        await _sendLock.WaitAsync();
        try
        {
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _socket.CloseOutputAsync((WebSocketCloseStatus)code, reason, timeout.Token);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            LogSocketEnded(_logger, e.Message);
        }
        finally
        {
            _sendLock.Release();
        }

        if (_socket.State == WebSocketState.Closed)
        {
            await _receiving.CancelAsync();
        }
        else
        {
            _receiving.CancelAfter(TimeSpan.FromSeconds(5));
        }
    }

    private void StopAll()
    {
        foreach (var id in _operations.Keys)
        {
            if (_operations.TryRemove(id, out var operation))
            {
                operation.Stop();
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "GraphQL operation {Id} failed")]
    private static partial void LogOperationFailed(ILogger logger, Exception exception, string id);

    [LoggerMessage(Level = LogLevel.Debug, Message = "GraphQL WebSocket ended: {Reason}")]
    private static partial void LogSocketEnded(ILogger logger, string reason);

    /// <summary>A running operation: its cancellation, its source-stream subscription and its queue of events.</summary>
    private sealed class Operation(string id, CancellationToken connection)
    {
        private readonly CancellationTokenSource _cancel = CancellationTokenSource.CreateLinkedTokenSource(connection);
        private IDisposable? _subscription;
        private int _stopped;

        public string Id { get; } = id;

        public CancellationToken Token => _cancel.Token;

        public Channel<object> Events { get; } = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });

        public void Attach(IDisposable subscription)
        {
            _subscription = subscription;
            if (Volatile.Read(ref _stopped) == 1)
            {
                subscription.Dispose();
            }
        }

        public void Stop()
        {
            if (Interlocked.Exchange(ref _stopped, 1) == 1)
            {
                return;
            }

            _cancel.Cancel();
            Interlocked.Exchange(ref _subscription, null)?.Dispose();
            Events.Writer.TryComplete();
        }
    }

    /// <summary>Queues what the source stream sends; the pump writes it to the socket in order.</summary>
    private sealed class Observer(Channel<object> events) : IObserver<ExecutionResult>
    {
        private static readonly object Completed = new();

        public void OnNext(ExecutionResult value) => events.Writer.TryWrite(value);

        public void OnError(Exception error)
        {
            events.Writer.TryWrite(error as ExecutionError ?? new ExecutionError("The event stream failed.", error));
            events.Writer.TryComplete();
        }

        public void OnCompleted()
        {
            events.Writer.TryWrite(Completed);
            events.Writer.TryComplete();
        }
    }
}
