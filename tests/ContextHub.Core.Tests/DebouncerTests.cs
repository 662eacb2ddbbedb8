using ContextHub.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace ContextHub.Core.Tests;

/// <summary>The settling step of the folder watchers (prompts, declarative tools, resource files), on a clock the test moves.</summary>
public sealed class DebouncerTests
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(100);

    [Fact]
    public void A_burst_of_signals_runs_the_action_once_after_the_quiet_period()
    {
        var time = new FakeTimeProvider();
        var runs = 0;
        using var debouncer = new Debouncer(Quiet, () => runs++, time);

        for (var i = 0; i < 5; i++)
        {
            debouncer.Signal();
            time.Advance(TimeSpan.FromMilliseconds(60)); // each signal comes before the previous one settled
        }

        Assert.Equal(0, runs);
        time.Advance(TimeSpan.FromMilliseconds(40));
        Assert.Equal(1, runs);
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(1, runs);
    }

    [Fact]
    public void Nothing_runs_before_the_quiet_period_nor_without_a_signal()
    {
        var time = new FakeTimeProvider();
        var runs = 0;
        using var debouncer = new Debouncer(Quiet, () => runs++, time);

        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(0, runs);

        debouncer.Signal();
        time.Advance(Quiet - TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, runs);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, runs);
    }

    [Fact]
    public void Separate_bursts_run_the_action_once_each()
    {
        var time = new FakeTimeProvider();
        var runs = 0;
        using var debouncer = new Debouncer(Quiet, () => runs++, time);

        debouncer.Signal();
        time.Advance(Quiet);
        debouncer.Signal();
        debouncer.Signal();
        time.Advance(Quiet);

        Assert.Equal(2, runs);
    }

    [Fact]
    public void A_disposed_debouncer_never_runs()
    {
        var time = new FakeTimeProvider();
        var runs = 0;
        var debouncer = new Debouncer(Quiet, () => runs++, time);
        debouncer.Signal();

        debouncer.Dispose();
        time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(0, runs);
    }
}
