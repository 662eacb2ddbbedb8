using System.Collections.Concurrent;
using ContextHub.Knowledge;
using ContextHub.Knowledge.Ingestion;
using ContextHub.Storage.PubSub;
using Microsoft.Extensions.Options;

namespace ContextHub.Server.KnowledgeBase;

/// <summary>
/// Keeps the knowledge store in step with a folder (<c>ContextHub:Knowledge:WatchFolder</c>): every file is ingested at
/// start, a changed or new file again (unchanged content is skipped by its hash), and a deleted file's document removed.
/// </summary>
public sealed partial class KnowledgeFolderWatcher : BackgroundService
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(500);
    private readonly KnowledgeHost _knowledge;
    private readonly INotificationBus _bus;
    private readonly string? _folder;
    private readonly ILogger<KnowledgeFolderWatcher> _logger;
    private readonly ConcurrentDictionary<string, byte> _changed = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _signal = new(0);

    public KnowledgeFolderWatcher(KnowledgeHost knowledge, INotificationBus bus, IOptions<KnowledgeServerOptions> options, ILogger<KnowledgeFolderWatcher> logger)
    {
        _knowledge = knowledge;
        _bus = bus;
        _folder = options.Value.WatchFolder;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (string.IsNullOrEmpty(_folder) || !Directory.Exists(_folder))
        {
            if (!string.IsNullOrEmpty(_folder))
            {
                LogMissingFolder(_folder);
            }

            return;
        }

        if (await _knowledge.TryGetServiceAsync(stoppingToken) is not { } service)
        {
            return; // the knowledge host has logged why and stops the server
        }

        using var watcher = new FileSystemWatcher(_folder) { IncludeSubdirectories = true, NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size };
        FileSystemEventHandler queue = (_, e) => Queue(e.FullPath);
        watcher.Changed += queue;
        watcher.Created += queue;
        watcher.Deleted += queue;
        watcher.Renamed += (_, e) =>
        {
            Queue(e.OldFullPath);
            Queue(e.FullPath);
        };
        watcher.EnableRaisingEvents = true;

        foreach (var file in Directory.EnumerateFiles(_folder, "*", SearchOption.AllDirectories))
        {
            _changed[file] = 0;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            await ApplyAsync(service, stoppingToken);
            await _signal.WaitAsync(stoppingToken);
            await Task.Delay(Quiet, stoppingToken); // let a burst of writes settle
        }
    }

    private void Queue(string path)
    {
        _changed[path] = 0;
        _signal.Release();
    }

    private async Task ApplyAsync(KnowledgeService service, CancellationToken cancellationToken)
    {
        var paths = _changed.Keys.Order(StringComparer.Ordinal).ToList();
        foreach (var path in paths)
        {
            _changed.TryRemove(path, out _);
        }

        var present = paths.Where(File.Exists).ToList();
        var changed = false;
        if (present.Count > 0)
        {
            var batch = await service.IngestAsync([.. present.Select(p => IngestionRequest.FromFile(p))], null, cancellationToken);
            foreach (var failure in batch.Failures)
            {
                LogFailed(failure.Source, failure.Error ?? "");
            }

            changed |= batch.Results.Any(r => r.Status is IngestionStatus.Added or IngestionStatus.Updated);
        }

        foreach (var gone in paths.Where(p => !File.Exists(p) && !Directory.Exists(p)))
        {
            changed |= await service.DeleteDocumentAsync(KnowledgeService.DocumentIdFor(Path.GetFullPath(gone)), cancellationToken);
        }

        if (changed)
        {
            await _bus.PublishAsync(new ServerEvent(ServerEventKind.ResourcesListChanged), cancellationToken);
        }
    }

    public override void Dispose()
    {
        _signal.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The knowledge watch folder {Folder} does not exist; nothing is watched")]
    private partial void LogMissingFolder(string folder);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not ingest {Source}: {Reason}")]
    private partial void LogFailed(string source, string reason);
}
