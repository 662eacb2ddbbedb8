using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ContextHub.Messaging;
using ContextHub.Service;
using ContextHub.Sessions;
using ContextHub.Storage.PubSub;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using ModelContextProtocol.Protocol;

namespace ContextHub.Core.Tests;

/// <summary>
/// <see cref="NotificationHub"/> without a door: server events on the bus become notifications on the streams of the
/// sessions that want them.
/// </summary>
public sealed class NotificationHubTests
{
    [Fact]
    public async Task A_list_change_reaches_every_open_stream_and_a_resource_update_only_the_subscribed_sessions()
    {
        await using var services = EngineHarness.Build(new FakeTimeProvider());
        _ = services.GetRequiredService<NotificationHub>();
        var sessions = services.GetRequiredService<SessionManager>();
        var bus = services.GetRequiredService<INotificationBus>();
        var (subscribed, other) = (new RecordingChannel(), new RecordingChannel());
        var first = await sessions.CreateAsync("2025-11-25", new ClientCapabilities(), null, shared: false);
        var second = await sessions.CreateAsync("2025-11-25", new ClientCapabilities(), null, shared: false);
        Assert.True(first.TryAttachStandaloneChannel(subscribed));
        Assert.True(second.TryAttachStandaloneChannel(other));
        await sessions.SubscribeAsync(first, "file://docs/a.md", CancellationToken.None);

        await bus.PublishAsync(new ServerEvent(ServerEventKind.ToolsListChanged));
        await bus.PublishAsync(new ServerEvent(ServerEventKind.ResourceUpdated, "file://docs/a.md"));
        await bus.PublishAsync(new ServerEvent(ServerEventKind.ResourceUpdated, "file://docs/b.md"));

        Assert.Equal([NotificationMethods.ToolListChangedNotification, NotificationMethods.ResourceUpdatedNotification + " file://docs/a.md"],
            subscribed.Sent);
        Assert.Equal([NotificationMethods.ToolListChangedNotification], other.Sent);
    }

    [Fact]
    public async Task A_stream_that_fails_does_not_stop_the_others()
    {
        await using var services = EngineHarness.Build(new FakeTimeProvider());
        _ = services.GetRequiredService<NotificationHub>();
        var sessions = services.GetRequiredService<SessionManager>();
        var (broken, working) = (new RecordingChannel { Fails = true }, new RecordingChannel());
        (await sessions.CreateAsync("2025-11-25", null, null, shared: false)).TryAttachStandaloneChannel(broken);
        (await sessions.CreateAsync("2025-11-25", null, null, shared: false)).TryAttachStandaloneChannel(working);

        await services.GetRequiredService<INotificationBus>().PublishAsync(new ServerEvent(ServerEventKind.PromptsListChanged));

        Assert.Equal([NotificationMethods.PromptListChangedNotification], working.Sent);
    }

    [Fact]
    public async Task A_stream_whose_write_waits_does_not_hold_up_the_others()
    {
        await using var services = EngineHarness.Build(new FakeTimeProvider());
        _ = services.GetRequiredService<NotificationHub>();
        var sessions = services.GetRequiredService<SessionManager>();
        var stalled = new RecordingChannel { Stalls = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        var working = Enumerable.Range(0, 5).Select(_ => new RecordingChannel()).ToList();
        foreach (var channel in working.Prepend(stalled))
        {
            Assert.True((await sessions.CreateAsync("2025-11-25", null, null, shared: false)).TryAttachStandaloneChannel(channel));
        }

        var publishing = services.GetRequiredService<INotificationBus>().PublishAsync(new ServerEvent(ServerEventKind.ToolsListChanged)).AsTask();

        // Every other stream has the notification while one client's write is still waiting (a full socket buffer).
        Assert.All(working, channel => Assert.Equal([NotificationMethods.ToolListChangedNotification], channel.Sent));
        Assert.False(publishing.IsCompleted);
        stalled.Stalls.SetResult();
        await publishing.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal([NotificationMethods.ToolListChangedNotification], stalled.Sent);
    }

    private sealed class RecordingChannel : IMcpChannel
    {
        private readonly ConcurrentQueue<string> _sent = new();

        public bool Fails { get; init; }

        /// <summary>When set, a write is taken at once but completes only when this does.</summary>
        public TaskCompletionSource? Stalls { get; init; }

        public IReadOnlyList<string> Sent => [.. _sent];

        public bool CanSendRequests => false;

        public ValueTask SendNotificationAsync(string method, object? parameters, JsonTypeInfo? typeInfo, CancellationToken cancellationToken)
        {
            if (Fails)
            {
                throw new IOException("the stream is gone");
            }

            var uri = parameters is System.Text.Json.Nodes.JsonObject o && o["uri"] is { } u ? " " + u.GetValue<string>() : "";
            _sent.Enqueue(method + uri);
            return Stalls is null ? ValueTask.CompletedTask : new ValueTask(Stalls.Task);
        }

        public Task<JsonElement> SendRequestAsync(string method, object? parameters, JsonTypeInfo? typeInfo, CancellationToken cancellationToken) =>
            throw new NotSupportedException();
    }
}
