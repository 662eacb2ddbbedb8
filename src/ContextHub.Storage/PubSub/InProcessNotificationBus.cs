using System.Collections.Immutable;
using ContextHub.Storage.Telemetry;

namespace ContextHub.Storage.PubSub;

/// <summary>Delivers events to handlers in this process; a failing handler does not stop the others.</summary>
public sealed class InProcessNotificationBus : INotificationBus
{
    public const string Backend = "inprocess";
    private ImmutableArray<Func<ServerEvent, ValueTask>> _handlers = [];

    public InProcessNotificationBus() => ContextHubTelemetry.RegisterBus(Backend);

    public async ValueTask PublishAsync(ServerEvent serverEvent, CancellationToken cancellationToken = default)
    {
        ContextHubTelemetry.MessagePublished(Backend);
        if (NotificationEventSource.Log.IsEnabled())
        {
            NotificationEventSource.Log.Delivering(serverEvent.Id, serverEvent.FromElsewhere, System.Diagnostics.Stopwatch.GetTimestamp());
        }

        foreach (var handler in _handlers)
        {
            try
            {
                ContextHubTelemetry.MessageReceived(Backend);
                await handler(serverEvent);
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                // One broken listener (a closed stream) must not keep the event from the rest.
            }
        }
    }

    public IDisposable Subscribe(Func<ServerEvent, ValueTask> handler)
    {
        ImmutableInterlocked.Update(ref _handlers, static (list, h) => list.Add(h), handler);
        return new Subscription(this, handler);
    }

    private sealed class Subscription(InProcessNotificationBus bus, Func<ServerEvent, ValueTask> handler) : IDisposable
    {
        public void Dispose() => ImmutableInterlocked.Update(ref bus._handlers, static (list, h) => list.Remove(h), handler);
    }
}
