using System.Text.Json;
using System.Text.Json.Nodes;
using ContextHub.Messaging;
using ContextHub.Resources;
using ContextHub.Sessions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using ModelContextProtocol.Protocol;

namespace ContextHub.Core.Tests;

/// <summary>
/// Every timer that decides what the engine does runs on the injected <see cref="TimeProvider"/>: the tests move a fake
/// clock and see a tool time out, an idle session end and a cached read expire exactly when the clock says so.
/// </summary>
public sealed class EngineTimerTests
{
    [Fact]
    public async Task A_tool_is_stopped_when_its_timeout_passes_on_the_injected_clock_and_not_before()
    {
        var time = new WatchedTime();
        await using var services = EngineHarness.Build(time);
        var gate = services.GetRequiredService<EngineHarness.Gate>();

        var call = services.GetRequiredService<MessageManager>().InvokeAsync("tools/call",
            new JsonObject { ["name"] = "wait_for_gate", ["arguments"] = new JsonObject() },
            new McpCaller(McpTransportKind.InProcess), r => r.ToJsonElement(), CancellationToken.None);
        await gate.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await time.ArmedAsync(TimeSpan.FromSeconds(5));

        time.Advance(TimeSpan.FromSeconds(4.9));
        await Task.Delay(50);
        Assert.False(call.IsCompleted, "the tool was stopped before its 5 s timeout");

        time.Advance(TimeSpan.FromSeconds(0.2));
        var result = await call.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(result.GetProperty("isError").GetBoolean());
        Assert.Contains("did not finish within 5 s", result.GetProperty("content")[0].GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_shared_session_ends_after_the_idle_timeout_and_each_use_restarts_it()
    {
        var time = new FakeTimeProvider();
        await using var services = EngineHarness.Build(time, new() { ["ContextHub:Server:SessionIdleTimeout"] = "00:01:00" });
        var sessions = services.GetRequiredService<SessionManager>();
        var session = await sessions.CreateAsync("2025-11-25", new ClientCapabilities(), null, shared: true);

        time.Advance(TimeSpan.FromSeconds(59));
        Assert.NotNull(await sessions.FindAsync(session.Id, CancellationToken.None));

        time.Advance(TimeSpan.FromSeconds(59)); // 118 s after the start, 59 s after the last use
        Assert.NotNull(await sessions.FindAsync(session.Id, CancellationToken.None));

        time.Advance(TimeSpan.FromSeconds(61));
        Assert.Null(await sessions.FindAsync(session.Id, CancellationToken.None));
    }

    [Fact]
    public async Task The_sweeper_forgets_an_idle_connection_session_when_the_clock_passes_the_timeout()
    {
        var time = new FakeTimeProvider();
        await using var services = EngineHarness.Build(time, new() { ["ContextHub:Server:SessionIdleTimeout"] = "00:01:00" });
        var sessions = services.GetRequiredService<SessionManager>();
        await sessions.CreateAsync("2025-11-25", new ClientCapabilities(), null, shared: false);

        time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(1, sessions.Count);

        // The sweeper runs every 15 s (a quarter of the timeout): by 75 s the session has been idle longer than 60 s.
        time.Advance(TimeSpan.FromSeconds(17));
        Assert.Equal(0, sessions.Count);
    }

    [Fact]
    public async Task A_cached_resource_is_read_again_once_its_ttl_has_passed_on_the_injected_clock()
    {
        var time = new FakeTimeProvider();
        await using var services = EngineHarness.Build(time, new() { ["ContextHub:Resources:CacheTtl"] = "00:05:00" });
        var cache = services.GetRequiredService<ResourceCache>();
        var reads = 0;
        ValueTask<ResourceContents[]?> ReadAsync()
        {
            reads++;
            return ValueTask.FromResult<ResourceContents[]?>([new TextResourceContents { Uri = "test://a", Text = $"read {reads}" }]);
        }

        await cache.GetOrReadAsync("test://a", ReadAsync, CancellationToken.None);
        time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        var (cached, _) = await cache.GetOrReadAsync("test://a", ReadAsync, CancellationToken.None);
        Assert.Equal(1, reads);
        Assert.Equal("read 1", Assert.IsType<TextResourceContents>(Assert.Single(cached!)).Text);

        time.Advance(TimeSpan.FromSeconds(2));
        var (fresh, _) = await cache.GetOrReadAsync("test://a", ReadAsync, CancellationToken.None);

        Assert.Equal(2, reads);
        Assert.Equal("read 2", Assert.IsType<TextResourceContents>(Assert.Single(fresh!)).Text);
    }
}
