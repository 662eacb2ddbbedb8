using System.ComponentModel;
using System.Threading.Channels;
using ContextHub.Hosting;
using ContextHub.Tools;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace ContextHub.Core.Tests;

/// <summary>The engine as a host composes it, with a clock the test moves and a few tools that wait on the test.</summary>
internal static class EngineHarness
{
    public static ServiceProvider Build(TimeProvider time, Dictionary<string, string?>? settings = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings ?? []).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(time);
        services.AddSingleton<Gate>();
        services.AddContextHub(configuration).WithTools(typeof(GateTools));
        return services.BuildServiceProvider();
    }

    /// <summary>Lets a test know a tool is running, and decide when it ends.</summary>
    internal sealed class Gate
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [McpToolType]
    internal static class GateTools
    {
        [McpTool("wait_for_gate", TimeoutSeconds = 5)]
        [Description("Runs until the test releases it or the call is cancelled (5 s timeout).")]
        public static async Task<string> WaitForGate(Gate gate, CancellationToken cancellationToken)
        {
            gate.Entered.TrySetResult();
            await gate.Release.Task.WaitAsync(cancellationToken);
            return "released";
        }
    }
}

/// <summary>
/// A <see cref="FakeTimeProvider"/> that says when a timer is armed with a given due time, so a test advances the clock
/// only once the timer under test exists (otherwise the advance would happen before the timer and prove nothing).
/// </summary>
internal sealed class WatchedTime : FakeTimeProvider
{
    private readonly Channel<TimeSpan> _armed = Channel.CreateUnbounded<TimeSpan>();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new Watched(base.CreateTimer(callback, state, dueTime, period), _armed.Writer);
        if (dueTime != Timeout.InfiniteTimeSpan)
        {
            _armed.Writer.TryWrite(dueTime);
        }

        return timer;
    }

    /// <summary>Waits (in real time, at most 30 s) until a timer is armed to fire after <paramref name="dueTime"/>.</summary>
    public async Task ArmedAsync(TimeSpan dueTime)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await _armed.Reader.ReadAsync(limit.Token) != dueTime)
        {
        }
    }

    private sealed class Watched(ITimer inner, ChannelWriter<TimeSpan> armed) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            if (dueTime != Timeout.InfiniteTimeSpan)
            {
                armed.TryWrite(dueTime);
            }

            return inner.Change(dueTime, period);
        }

        public void Dispose() => inner.Dispose();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
