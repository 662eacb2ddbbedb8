using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;
using ContextHub.Sessions;
using ContextHub.Storage.PubSub;
using ContextHub.Storage.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ContextHub.Redis;

/// <summary>
/// One Redis pub/sub channel between replicas, carrying server events and session changes in the order they were
/// published (one channel, handled one message at a time, so a subscription taken before a change is applied before it).
/// A replica ignores its own messages: it delivered them locally already.
/// </summary>
public sealed partial class RedisBackplane : IHostedService, IDisposable
{
    private readonly RedisConnection _redis;
    private readonly ILogger<RedisBackplane> _logger;
    private readonly RedisChannel _channel;
    private readonly CancellationTokenSource _stopping = new();
    private ImmutableArray<Func<ServerEvent, ValueTask>> _eventHandlers = [];
    private ImmutableArray<Func<SessionUpdate, ValueTask>> _sessionHandlers = [];
    private ImmutableArray<Func<string, ValueTask>> _taskHandlers = [];
    private ImmutableArray<Func<string, string, ValueTask>> _inputHandlers = [];
    private ChannelMessageQueue? _queue;
    private long _epoch;

    public RedisBackplane(RedisConnection redis, ILogger<RedisBackplane> logger)
    {
        _redis = redis;
        _logger = logger;
        _channel = redis.Channel("events");
        redis.Multiplexer.ConnectionFailed += (_, _) => Interlocked.Increment(ref _epoch);
        redis.Multiplexer.ConnectionRestored += (_, _) => Interlocked.Increment(ref _epoch);
    }

    /// <summary>Grows whenever messages may have been missed (the connection dropped or came back, or the subscription is new).</summary>
    public long Epoch => Volatile.Read(ref _epoch);

    /// <summary>Tells this replica's messages from the others'.</summary>
    public string Origin { get; } = Guid.NewGuid().ToString("N")[..12];

    public ValueTask PublishAsync(ServerEvent serverEvent) =>
        PublishAsync(new BackplaneMessage { Origin = Origin, Event = serverEvent.Kind, Uri = serverEvent.Uri, Occurrence = serverEvent.Id });

    /// <summary>The message a session change publishes (also sent from inside a script, so it is built here once).</summary>
    public string Serialize(SessionUpdate update) => JsonSerializer.Serialize(
        new BackplaneMessage { Origin = Origin, SessionId = update.SessionId, Change = update.Kind, Value = update.Value },
        BackplaneJsonContext.Default.BackplaneMessage);

    /// <summary>The message a task change publishes (from inside the script that stores it): the record as stored.</summary>
    public string SerializeTask(string record) => JsonSerializer.Serialize(
        new BackplaneMessage { Origin = Origin, Task = record }, BackplaneJsonContext.Default.BackplaneMessage);

    public RedisChannel ChannelName => _channel;

    private string ChannelText => field ??= _channel.ToString();

    private async ValueTask PublishAsync(BackplaneMessage message) =>
        await _redis.Database.PublishAsync(_channel, JsonSerializer.Serialize(message, BackplaneJsonContext.Default.BackplaneMessage));

    public IDisposable OnEvent(Func<ServerEvent, ValueTask> handler)
    {
        ImmutableInterlocked.Update(ref _eventHandlers, static (list, h) => list.Add(h), handler);
        return new Registration(() => ImmutableInterlocked.Update(ref _eventHandlers, static (list, h) => list.Remove(h), handler));
    }

    public IDisposable OnSessionChange(Func<SessionUpdate, ValueTask> handler)
    {
        ImmutableInterlocked.Update(ref _sessionHandlers, static (list, h) => list.Add(h), handler);
        return new Registration(() => ImmutableInterlocked.Update(ref _sessionHandlers, static (list, h) => list.Remove(h), handler));
    }

    /// <summary>Answers to a task's input requests, for the replica that runs it (published, not stored).</summary>
    public async ValueTask PublishTaskInputAsync(string taskId, string inputResponses) =>
        await PublishAsync(new BackplaneMessage { Origin = Origin, TaskInput = taskId, Value = inputResponses });

    public IDisposable OnTaskInput(Func<string, string, ValueTask> handler)
    {
        ImmutableInterlocked.Update(ref _inputHandlers, static (list, h) => list.Add(h), handler);
        return new Registration(() => ImmutableInterlocked.Update(ref _inputHandlers, static (list, h) => list.Remove(h), handler));
    }

    /// <summary>Task records changed by other replicas, as stored (JSON).</summary>
    public IDisposable OnTaskChange(Func<string, ValueTask> handler)
    {
        ImmutableInterlocked.Update(ref _taskHandlers, static (list, h) => list.Add(h), handler);
        return new Registration(() => ImmutableInterlocked.Update(ref _taskHandlers, static (list, h) => list.Remove(h), handler));
    }

    /// <summary>Subscribes now if Redis answers, else keeps trying in the background (the server starts without Redis).</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = SubscribeUntilDoneAsync(_stopping.Token);
        return Task.CompletedTask;
    }

    private async Task SubscribeUntilDoneAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                // Once subscribed, the client subscribes again by itself after every reconnection.
                _queue = await _redis.Multiplexer.GetSubscriber().SubscribeAsync(_channel);
                _queue.OnMessage(HandleAsync);
                Interlocked.Increment(ref _epoch);
                LogSubscribed(ChannelText);
                return;
            }
            catch (Exception e) when (RedisConnection.IsUnavailable(e))
            {
                LogSubscribeFailed(e.Message);
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task HandleAsync(ChannelMessage received)
    {
        BackplaneMessage? message;
        try
        {
            message = JsonSerializer.Deserialize((string)received.Message!, BackplaneJsonContext.Default.BackplaneMessage);
        }
        catch (JsonException e)
        {
            LogBadMessage(e.Message);
            return;
        }

        if (message is null || message.Origin == Origin)
        {
            return;
        }

        try
        {
            if (message.Event is { } kind)
            {
                if (message.Occurrence is { } occurrence && NotificationEventSource.Log.IsEnabled())
                {
                    NotificationEventSource.Log.BackplaneReceived(occurrence, System.Diagnostics.Stopwatch.GetTimestamp());
                }

                var serverEvent = new ServerEvent(kind, message.Uri) { Id = message.Occurrence ?? Guid.NewGuid().ToString("N"), FromElsewhere = true };
                foreach (var handler in _eventHandlers)
                {
                    await handler(serverEvent);
                }
            }
            else if (message.SessionId is { } sessionId && message.Change is { } change)
            {
                var update = new SessionUpdate(sessionId, change, message.Value);
                foreach (var handler in _sessionHandlers)
                {
                    await handler(update);
                }
            }
            else if (message.TaskInput is { } inputTask && message.Value is { } answers)
            {
                foreach (var handler in _inputHandlers)
                {
                    await handler(inputTask, answers);
                }
            }
            else if (message.Task is { } task)
            {
                foreach (var handler in _taskHandlers)
                {
                    await handler(task);
                }
            }
        }
        catch (Exception e)
        {
            // One failing handler must not stop the channel.
            LogHandlerFailed(e.Message);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_queue is { } queue)
        {
            try
            {
                await queue.UnsubscribeAsync();
            }
            catch (Exception e) when (RedisConnection.IsUnavailable(e))
            {
                // Redis is gone; nothing to undo.
            }
        }
    }

    public void Dispose() => _stopping.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "Listening to other replicas on Redis channel {Channel}")]
    private partial void LogSubscribed(string channel);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot subscribe to the Redis channel yet ({Reason}); trying again")]
    private partial void LogSubscribeFailed(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignored a message on the Redis channel that is not ours: {Reason}")]
    private partial void LogBadMessage(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A handler of a message from another replica failed: {Reason}")]
    private partial void LogHandlerFailed(string reason);

    private sealed class Registration(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }
}

/// <summary>One message on the channel: a server event (<see cref="Event"/>) or a session change (<see cref="SessionId"/>).</summary>
internal sealed class BackplaneMessage
{
    [JsonPropertyName("o")]
    public string Origin { get; set; } = "";

    [JsonPropertyName("e")]
    public ServerEventKind? Event { get; set; }

    [JsonPropertyName("u")]
    public string? Uri { get; set; }

    /// <summary>The event's id, the same on every replica (a session stream records it once).</summary>
    [JsonPropertyName("i")]
    public string? Occurrence { get; set; }

    [JsonPropertyName("s")]
    public string? SessionId { get; set; }

    [JsonPropertyName("c")]
    public SessionUpdateKind? Change { get; set; }

    [JsonPropertyName("v")]
    public string? Value { get; set; }

    /// <summary>A task record as stored (JSON), after a change.</summary>
    [JsonPropertyName("t")]
    public string? Task { get; set; }

    /// <summary>The task whose input requests <see cref="Value"/> answers (JSON).</summary>
    [JsonPropertyName("ti")]
    public string? TaskInput { get; set; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, UseStringEnumConverter = true)]
[JsonSerializable(typeof(BackplaneMessage))]
internal sealed partial class BackplaneJsonContext : JsonSerializerContext;
