using System.Collections.Concurrent;
using ContextHub.Messaging;
using ContextHub.Protocol;
using ContextHub.Storage.PubSub;
using ModelContextProtocol.Protocol;

namespace ContextHub.Resources;

/// <summary>
/// The files under one folder as resources <c>res://{name}/{path}</c>. No URI can reach outside the folder
/// (no <c>..</c>, no symbolic link that leads out); a watcher turns file changes into <c>resources/updated</c>
/// and <c>resources/list_changed</c>.
/// </summary>
public sealed class FileResourceProvider : IResourceProvider, IDisposable
{
    private const int MaxListed = 10_000;
    private readonly string _root;
    private readonly string _prefix;
    private readonly long _maxBytes;
    private readonly INotificationBus _bus;
    private readonly FileSystemWatcher? _watcher;
    private readonly ConcurrentDictionary<string, bool> _pending = new(StringComparer.Ordinal);
    private readonly Hosting.Debouncer _flush;
    private Resource[]? _listing;

    public FileResourceProvider(string name, string root, INotificationBus bus, long maxBytes = 10 * 1024 * 1024, bool watch = true,
        TimeProvider? time = null)
    {
        Name = name;
        _root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        _prefix = $"res://{name}/";
        _maxBytes = maxBytes;
        _bus = bus;
        _flush = new Hosting.Debouncer(TimeSpan.FromMilliseconds(100), Flush, time);
        if (watch && Directory.Exists(_root))
        {
            _watcher = new FileSystemWatcher(_root) { IncludeSubdirectories = true, NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size };
            _watcher.Changed += (_, e) => Queue(e.FullPath, listChanged: false);
            _watcher.Created += (_, e) => Queue(e.FullPath, listChanged: true);
            _watcher.Deleted += (_, e) => Queue(e.FullPath, listChanged: true);
            _watcher.Renamed += (_, e) =>
            {
                Queue(e.OldFullPath, listChanged: true);
                Queue(e.FullPath, listChanged: true);
            };
            _watcher.EnableRaisingEvents = true;
        }
    }

    public string Name { get; }

    public bool Cacheable => true;

    public string UriFor(string relativePath) =>
        _prefix + string.Join('/', relativePath.Split(Path.DirectorySeparatorChar).Select(Uri.EscapeDataString));

    /// <summary>The files, read from disk once and again only after the watcher saw a change.</summary>
    public IEnumerable<Resource> ListResources() => Volatile.Read(ref _listing) ?? (_listing = [.. ReadListing()]);

    private IEnumerable<Resource> ReadListing()
    {
        if (!Directory.Exists(_root))
        {
            yield break;
        }

        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.Hidden | FileAttributes.System | FileAttributes.ReparsePoint };
        foreach (var file in Directory.EnumerateFiles(_root, "*", options).Take(MaxListed))
        {
            var relative = Path.GetRelativePath(_root, file);
            var info = new FileInfo(file);
            yield return new Resource
            {
                Uri = UriFor(relative),
                Name = relative.Replace(Path.DirectorySeparatorChar, '/'),
                Title = Path.GetFileNameWithoutExtension(file),
                MimeType = MimeTypes.FromPath(file),
                Size = info.Length,
            };
        }
    }

    public IEnumerable<ResourceTemplate> ListTemplates() =>
    [
        new ResourceTemplate
        {
            UriTemplate = _prefix + "{+path}",
            Name = $"{Name}-files",
            Title = $"Files in {Name}",
            Description = $"Any file under the '{Name}' folder, by its relative path.",
        },
    ];

    public async ValueTask<ResourceContents[]?> ReadAsync(McpCallContext context, string uri)
    {
        if (!uri.StartsWith(_prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var path = Resolve(uri);
        if (path is null || !File.Exists(path))
        {
            return null;
        }

        var info = new FileInfo(path);
        if (info.Length > _maxBytes)
        {
            throw McpErrorException.InvalidParams($"'{uri}' is {info.Length} bytes, over the {_maxBytes}-byte limit for one read", "uri");
        }

        var mime = MimeTypes.FromPath(path);
        if (MimeTypes.IsText(mime))
        {
            var text = await File.ReadAllTextAsync(path, context.CancellationToken);
            return [new TextResourceContents { Uri = uri, MimeType = mime, Text = text }];
        }

        var bytes = await File.ReadAllBytesAsync(path, context.CancellationToken);
        return [BlobResourceContents.FromBytes(bytes, uri, mime)];
    }

    public ValueTask<IReadOnlyList<string>?> CompleteAsync(string template, string variable, string prefix,
        IReadOnlyDictionary<string, string> context, CancellationToken cancellationToken)
    {
        if (template != _prefix + "{+path}" || variable != "path")
        {
            return ValueTask.FromResult<IReadOnlyList<string>?>(null);
        }

        IReadOnlyList<string> names = [.. ListResources().Select(r => r.Name).Where(n => n.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal)];
        return ValueTask.FromResult<IReadOnlyList<string>?>(names);
    }

    /// <summary>Maps a URI to a file inside the root, or null when it would leave the root.</summary>
    internal string? Resolve(string uri)
    {
        string relative;
        try
        {
            relative = Uri.UnescapeDataString(uri[_prefix.Length..]);
        }
        catch (UriFormatException)
        {
            return null;
        }

        if (relative.Length == 0 || relative.Contains('\0', StringComparison.Ordinal) || Path.IsPathRooted(relative))
        {
            return null;
        }

        var full = Path.GetFullPath(Path.Join(_root, relative));
        if (!full.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            return null;
        }

        // A symbolic link anywhere on the way could lead out of the root.
        for (var current = full; current.Length > _root.Length; current = Path.GetDirectoryName(current)!)
        {
            var info = new FileInfo(current);
            if (info.Exists || Directory.Exists(current))
            {
                if ((File.GetAttributes(current) & FileAttributes.ReparsePoint) != 0)
                {
                    return null;
                }
            }
        }

        return full;
    }

    private void Queue(string fullPath, bool listChanged)
    {
        var relative = Path.GetRelativePath(_root, fullPath);
        if (relative.StartsWith("..", StringComparison.Ordinal))
        {
            return;
        }

        Volatile.Write(ref _listing, null); // sizes change with content, names with the rest
        _pending.AddOrUpdate(UriFor(relative), listChanged, (_, previous) => previous || listChanged);
        _flush.Signal();
    }

    private void Flush()
    {
        var listChanged = false;
        foreach (var uri in _pending.Keys)
        {
            if (_pending.TryRemove(uri, out var changed))
            {
                listChanged |= changed;
                _ = _bus.PublishAsync(new ServerEvent(ServerEventKind.ResourceUpdated, uri)).AsTask();
            }
        }

        if (listChanged)
        {
            _ = _bus.PublishAsync(new ServerEvent(ServerEventKind.ResourcesListChanged)).AsTask();
        }
    }

    public void Dispose()
    {
        _watcher?.Dispose();
        _flush.Dispose();
    }
}
