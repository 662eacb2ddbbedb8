using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using ContextHub.Messaging;
using ContextHub.Protocol;
using ContextHub.Sessions;
using ContextHub.Storage.PubSub;
using ContextHub.Storage.Telemetry;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;

namespace ContextHub.Service;

/// <summary>
/// Turns server events from the notification bus into MCP notifications: on each session's standalone stream
/// (session revisions) and on every open <c>subscriptions/listen</c> stream (stateless revision).
/// </summary>
public sealed partial class NotificationHub : IDisposable
{
    private readonly SessionManager _sessions;
    private readonly ISessionEventStore _events;
    private readonly ConcurrentDictionary<Listener, byte> _listeners = new();
    private readonly IDisposable _subscription;
    private readonly ILogger<NotificationHub> _logger;

    public NotificationHub(INotificationBus bus, SessionManager sessions, ISessionEventStore events, ILogger<NotificationHub> logger)
    {
        _sessions = sessions;
        _events = events;
        _logger = logger;
        _subscription = bus.Subscribe(OnEventAsync);
    }

    /// <summary>Serves one <c>subscriptions/listen</c> request until the client goes away.</summary>
    public async Task ListenAsync(McpRequest request, SubscriptionsListenNotifications wanted, CancellationToken cancellationToken)
    {
        var listener = new Listener(request.Channel!, wanted, JsonSerializer.SerializeToNode(request.Id, CoreJsonContext.Default.JsonElement)!);
        var acknowledged = new JsonObject
        {
            ["notifications"] = JsonSerializer.SerializeToNode(wanted, McpJson.TypeInfo<SubscriptionsListenNotifications>()),
            ["_meta"] = new JsonObject { [McpProtocol.Meta.SubscriptionId] = listener.SubscriptionId.DeepClone() },
        };
        await listener.Channel.SendNotificationAsync(NotificationMethods.SubscriptionsAcknowledgedNotification, acknowledged,
            CoreJsonContext.Default.JsonObject, cancellationToken);
        _listeners[listener] = 0;
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // The client closed the stream: the subscription ends.
        }
        finally
        {
            _listeners.TryRemove(listener, out _);
        }
    }

    private async ValueTask OnEventAsync(ServerEvent serverEvent)
    {
        var method = serverEvent.Kind switch
        {
            ServerEventKind.ToolsListChanged => NotificationMethods.ToolListChangedNotification,
            ServerEventKind.PromptsListChanged => NotificationMethods.PromptListChangedNotification,
            ServerEventKind.ResourcesListChanged => NotificationMethods.ResourceListChangedNotification,
            _ => NotificationMethods.ResourceUpdatedNotification,
        };

        var trace = NotificationEventSource.Log.IsEnabled() ? serverEvent.Id : null;
        List<McpSession>? recorded = null;
        List<McpSession>? local = null;
        foreach (var session in _sessions.All)
        {
            if (serverEvent.Kind == ServerEventKind.ResourceUpdated && !session.ResourceSubscriptions.ContainsKey(serverEvent.Uri!))
            {
                continue;
            }

            if (session.Shared)
            {
                // Recorded in the session's stream even while no stream is open here, so a reconnecting client gets it.
                (recorded ??= []).Add(session);
            }
            else if (session.StandaloneChannel is not null)
            {
                (local ??= []).Add(session);
            }
        }

        if (trace is not null)
        {
            NotificationEventSource.Log.Dispatching(trace, (recorded?.Count ?? 0) + (local?.Count ?? 0), Stopwatch.GetTimestamp());
        }

        // Every stream's write is started before any is awaited: one slow client does not hold up the others
        // (a write to a healthy stream completes at once; only those that did not are awaited, together).
        var pending = new List<Task>();
        foreach (var session in local ?? [])
        {
            if (session.StandaloneChannel is { } channel)
            {
                Started(SendAsync(channel, method, UriParameters(serverEvent), trace, session.Id), pending);
            }
        }

        if (recorded is not null)
        {
            await RecordAndSendAsync(serverEvent, method, recorded, trace, pending);
        }

        foreach (var listener in _listeners.Keys)
        {
            if (!listener.Wants(serverEvent))
            {
                continue;
            }

            var parameters = new JsonObject { ["_meta"] = new JsonObject { [McpProtocol.Meta.SubscriptionId] = listener.SubscriptionId.DeepClone() } };
            if (serverEvent.Kind == ServerEventKind.ResourceUpdated)
            {
                parameters["uri"] = serverEvent.Uri;
            }

            Started(SendAsync(listener.Channel, method, parameters, null, null), pending);
        }

        if (pending.Count > 0)
        {
            await Task.WhenAll(pending);
        }

        if (trace is not null)
        {
            NotificationEventSource.Log.Dispatched(trace, pending.Count, Stopwatch.GetTimestamp());
        }
    }

    /// <summary>Keeps a write that did not complete at once, to be awaited with the others.</summary>
    private static void Started(ValueTask send, List<Task> pending)
    {
        if (!send.IsCompletedSuccessfully)
        {
            pending.Add(send.AsTask());
        }
    }

    private static JsonObject? UriParameters(ServerEvent serverEvent) =>
        serverEvent.Kind == ServerEventKind.ResourceUpdated ? new JsonObject { ["uri"] = serverEvent.Uri } : null;

    /// <summary>Appends the event to the sessions' streams, then starts writing it to those open here.</summary>
    private async ValueTask RecordAndSendAsync(ServerEvent serverEvent, string method, List<McpSession> sessions, string? trace,
        List<Task> pending)
    {
        var parameters = UriParameters(serverEvent);
        var message = JsonRpcWriter.ToBytes(w => JsonRpcWriter.WriteNotification(w, method, parameters, parameters is null ? null : CoreJsonContext.Default.JsonObject));
        string[]? ids = null;
        try
        {
            ids = await _events.AppendAsync(serverEvent.Id, [.. sessions.Select(s => s.Id)], message, CancellationToken.None);
        }
        catch (Exception e) when (e is McpErrorException or TimeoutException or OperationCanceledException)
        {
            // The store is away: live streams still get the event, without an id to resume from.
            LogNotRecorded(method, e.Message);
        }

        if (trace is not null)
        {
            NotificationEventSource.Log.Recorded(trace, Stopwatch.GetTimestamp());
        }

        for (var i = 0; i < sessions.Count; i++)
        {
            if (sessions[i].StandaloneChannel is { } channel)
            {
                Started(SendEventAsync(channel, ids?[i], message, method, parameters, trace, sessions[i].Id), pending);
            }
        }
    }

    private async ValueTask SendEventAsync(IMcpChannel channel, string? eventId, byte[] message, string method, JsonObject? parameters,
        string? trace, string session)
    {
        try
        {
            if (channel is IResumableChannel resumable)
            {
                await resumable.SendEventAsync(eventId, message, CancellationToken.None);
            }
            else
            {
                await channel.SendNotificationAsync(method, parameters, parameters is null ? null : CoreJsonContext.Default.JsonObject, CancellationToken.None);
            }

            if (trace is not null)
            {
                NotificationEventSource.Log.Written(trace, session, Stopwatch.GetTimestamp());
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            LogSendFailed(method, e.Message);
        }
    }

    private async ValueTask SendAsync(IMcpChannel channel, string method, JsonObject? parameters, string? trace, string? session)
    {
        try
        {
            await channel.SendNotificationAsync(method, parameters, parameters is null ? null : CoreJsonContext.Default.JsonObject, CancellationToken.None);
            if (trace is not null)
            {
                NotificationEventSource.Log.Written(trace, session!, Stopwatch.GetTimestamp());
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            LogSendFailed(method, e.Message);
        }
    }

    public void Dispose() => _subscription.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} not recorded for resumption: {Reason}")]
    private partial void LogNotRecorded(string method, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not deliver {Method}: {Reason}")]
    private partial void LogSendFailed(string method, string reason);

    private sealed class Listener(IMcpChannel channel, SubscriptionsListenNotifications wanted, JsonNode subscriptionId)
    {
        public IMcpChannel Channel { get; } = channel;

        public JsonNode SubscriptionId { get; } = subscriptionId;

        public bool Wants(ServerEvent serverEvent) => serverEvent.Kind switch
        {
            ServerEventKind.ToolsListChanged => wanted.ToolsListChanged == true,
            ServerEventKind.PromptsListChanged => wanted.PromptsListChanged == true,
            ServerEventKind.ResourcesListChanged => wanted.ResourcesListChanged == true,
            _ => wanted.ResourceSubscriptions?.Contains(serverEvent.Uri!) == true,
        };
    }
}
