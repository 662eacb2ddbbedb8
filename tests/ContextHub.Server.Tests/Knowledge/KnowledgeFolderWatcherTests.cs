using ContextHub.Knowledge;
using ContextHub.Server.KnowledgeBase;
using ContextHub.Storage.PubSub;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ContextHub.Server.Tests.Knowledge;

/// <summary>The watched folder: files there at start are ingested, new and changed ones follow, deleted ones leave.</summary>
public sealed class KnowledgeFolderWatcherTests : IAsyncDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("contexthub-watch-").FullName;

    [Fact]
    public async Task Keeps_the_store_in_step_with_the_folder()
    {
        var watched = Directory.CreateDirectory(Path.Combine(_root, "watched")).FullName;
        var first = Path.Combine(watched, "first.md");
        await File.WriteAllTextAsync(first, "# First\n\nOwls hunt at night.");
        var (knowledge, options) = KnowledgeHosts.Create(new Dictionary<string, string?>
        {
            ["DataFolder"] = Path.Combine(_root, "data"),
            ["WatchFolder"] = watched,
            ["Embeddings:Provider"] = "Hashing",
        });
        await using var host = knowledge;
        await host.StartAsync(CancellationToken.None);
        using var watcher = new KnowledgeFolderWatcher(host, new InProcessNotificationBus(), options, NullLogger<KnowledgeFolderWatcher>.Instance);
        await watcher.StartAsync(CancellationToken.None);

        await WaitForAsync(host, first, expected: true);
        var second = Path.Combine(watched, "second.txt");
        await File.WriteAllTextAsync(second, "Badgers dig setts.");
        await WaitForAsync(host, second, expected: true);
        File.Delete(first);
        await WaitForAsync(host, first, expected: false);

        await watcher.StopAsync(CancellationToken.None);
        Assert.Equal(1, await host.Service.Store.Metadata.CountDocumentsAsync());
    }

    private static async Task WaitForAsync(KnowledgeHost host, string path, bool expected)
    {
        var id = KnowledgeService.DocumentIdFor(Path.GetFullPath(path));
        for (var i = 0; i < 200; i++)
        {
            if ((await (await host.GetServiceAsync(CancellationToken.None)).GetDocumentAsync(id) is not null) == expected)
            {
                return;
            }

            await Task.Delay(50);
        }

        Assert.Fail($"{Path.GetFileName(path)} was {(expected ? "not ingested" : "not removed")} within 10 s");
    }

    public ValueTask DisposeAsync()
    {
        Directory.Delete(_root, recursive: true);
        return ValueTask.CompletedTask;
    }
}
