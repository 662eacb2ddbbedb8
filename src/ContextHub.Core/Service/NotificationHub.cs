using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using ContextHub.Messaging;
using ContextHub.Protocol;
using ContextHub.Sessions;
using ContextHub.Storage.PubSub;
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

        List<McpSession>? recorded = null;
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
                continue;
            }

            if (session.StandaloneChannel is { } channel)
            {
                await SendAsync(channel, method, UriParameters(serverEvent));
            }
        }

        if (recorded is not null)
        {
            await RecordAndSendAsync(serverEvent, method, recorded);
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

            await SendAsync(listener.Channel, method, parameters);
        }
    }

    private static JsonObject? UriParameters(ServerEvent serverEvent) =>
        serverEvent.Kind == ServerEventKind.ResourceUpdated ? new JsonObject { ["uri"] = serverEvent.Uri } : null;

    private async ValueTask RecordAndSendAsync(ServerEvent serverEvent, string method, List<McpSession> sessions)
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

        for (var i = 0; i < sessions.Count; i++)
        {
            if (sessions[i].StandaloneChannel is not { } channel)
            {
                continue;
            }

            try
            {
                if (channel is IResumableChannel resumable)
                {
                    await resumable.SendEventAsync(ids?[i], message, CancellationToken.None);
                }
                else
                {
                    await channel.SendNotificationAsync(method, parameters, parameters is null ? null : CoreJsonContext.Default.JsonObject, CancellationToken.None);
                }
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
            {
                LogSendFailed(method, e.Message);
            }
        }
    }

    private async ValueTask SendAsync(IMcpChannel channel, string method, JsonObject? parameters)
    {
        try
        {
            await channel.SendNotificationAsync(method, parameters, parameters is null ? null : CoreJsonContext.Default.JsonObject, CancellationToken.None);
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
