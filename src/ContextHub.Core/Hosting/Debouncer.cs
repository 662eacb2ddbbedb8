namespace ContextHub.Hosting;

/// <summary>
/// Runs an action once a burst of signals has gone quiet for a while (file watchers see one save as several events).
/// Time comes from a <see cref="TimeProvider"/> so tests decide when the quiet period has passed.
/// </summary>
public sealed class Debouncer : IDisposable
{
    private readonly TimeSpan _quiet;
    private readonly ITimer _timer;

    public Debouncer(TimeSpan quiet, Action action, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(action);
        _quiet = quiet;
        _timer = (time ?? TimeProvider.System).CreateTimer(_ => action(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Something happened: the action runs after the quiet period, unless another signal comes first.</summary>
    public void Signal() => _timer.Change(_quiet, Timeout.InfiniteTimeSpan);

    public void Dispose() => _timer.Dispose();
}
