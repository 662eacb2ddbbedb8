using ContextHub.Storage.PubSub;
using ContextHub.Storage.Telemetry;
using Microsoft.Extensions.Logging;

namespace ContextHub.Redis;

/// <summary>
/// Server events for every replica: delivered here at once (so this replica's clients hear them even while Redis is
/// away), then published on the <see cref="RedisBackplane"/> for the others. Counted per backend: <c>inprocess</c> for
/// every delivery in this process, <c>redis</c> for events sent to Redis and events received from other replicas.
/// </summary>
public sealed partial class RedisNotificationBus : INotificationBus, IDisposable
{
    public const string Backend = "redis";
    private readonly InProcessNotificationBus _local = new();
    private readonly RedisBackplane _backplane;
    private readonly IDisposable _remote;
    private readonly ILogger<RedisNotificationBus> _logger;

    public RedisNotificationBus(RedisBackplane backplane, ILogger<RedisNotificationBus> logger)
    {
        _backplane = backplane;
        _logger = logger;
        ContextHubTelemetry.RegisterBus(Backend);
        _remote = backplane.OnEvent(e =>
        {
            ContextHubTelemetry.MessageReceived(Backend);
            return _local.PublishAsync(e);
        });
    }

    public async ValueTask PublishAsync(ServerEvent serverEvent, CancellationToken cancellationToken = default)
    {
        await _local.PublishAsync(serverEvent, cancellationToken);
        try
        {
            await _backplane.PublishAsync(serverEvent);
            ContextHubTelemetry.MessagePublished(Backend);
            if (NotificationEventSource.Log.IsEnabled())
            {
                NotificationEventSource.Log.BackplaneSent(serverEvent.Id, System.Diagnostics.Stopwatch.GetTimestamp());
            }
        }
        catch (Exception e) when (RedisConnection.IsUnavailable(e))
        {
            // The change happened; other replicas miss this one event while Redis is away.
            LogNotPublished(serverEvent.Kind.ToString(), e.Message);
        }
    }

    public IDisposable Subscribe(Func<ServerEvent, ValueTask> handler) => _local.Subscribe(handler);

    public void Dispose() => _remote.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event {Kind} reached this replica only: Redis did not take it ({Reason})")]
    private partial void LogNotPublished(string kind, string reason);
}
