namespace ContextHub.Hosting;

/// <summary>
/// Watches a folder and calls back once a burst of file events has settled (editors write a file in several steps),
/// so a loader reloads once per change instead of once per event.
/// </summary>
public sealed class FolderWatch : IDisposable
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(100);
    private readonly FileSystemWatcher _watcher;
    private readonly Debouncer _settle;

    public FolderWatch(string folder, string filter, bool recursive, Action changed, TimeProvider? time = null)
    {
        _settle = new Debouncer(Quiet, changed, time);
        _watcher = new FileSystemWatcher(folder, filter) { IncludeSubdirectories = recursive };
        FileSystemEventHandler onEvent = (_, _) => _settle.Signal();
        _watcher.Changed += onEvent;
        _watcher.Created += onEvent;
        _watcher.Deleted += onEvent;
        _watcher.Renamed += (_, _) => _settle.Signal();
        _watcher.EnableRaisingEvents = true;
    }

    public void Dispose()
    {
        _watcher.Dispose();
        _settle.Dispose();
    }
}
