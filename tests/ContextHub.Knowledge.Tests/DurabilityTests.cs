using System.Diagnostics;
using ContextHub.Knowledge.CrashHost;
using ContextHub.Knowledge.Embedded;
using ContextHub.Knowledge.Ingestion;
using ContextHub.Knowledge.Search;

namespace ContextHub.Knowledge.Tests;

/// <summary>
/// Ingests in a real child process, kills it with SIGKILL in the middle of ingestion, then opens the store: every
/// acknowledged document is complete in all three indices and nothing half-written remains.
/// </summary>
public sealed class DurabilityTests
{
    private static string CrashHostPath()
    {
        var baseDir = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
        var configuration = Path.GetFileName(baseDir);
        var own = Path.GetFullPath(Path.Combine(baseDir, "..", "..", "ContextHub.Knowledge.CrashHost", configuration, "ContextHub.Knowledge.CrashHost.dll"));
        return File.Exists(own) ? own : Path.Combine(baseDir, "ContextHub.Knowledge.CrashHost.dll");
    }

    [Fact]
    public async Task A_running_store_sees_what_another_process_ingests_without_reopening()
    {
        using var folder = new TempFolder();
        var data = Path.Combine(folder.Path, "data");
        await using var running = await EmbeddedKnowledgeStore.OpenAsync(new EmbeddedStoreOptions { DataFolder = data, ExternalChangesPollInterval = TimeSpan.FromMilliseconds(100) });
        Assert.Equal(0, running.VectorCount);

        using var child = Process.Start(new ProcessStartInfo("dotnet", [CrashHostPath(), data, Path.Combine(folder.Path, "ack.txt"), "5"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!;
        var stderr = child.StandardError.ReadToEndAsync();
        await child.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(90));
        Assert.True(child.ExitCode == 0, await stderr);

        var chunks = (await running.GetStatsAsync()).Chunks;
        Assert.True(chunks > 5);
        var deadline = Stopwatch.StartNew();
        while ((running.VectorCount != chunks || running.FullTextCount != chunks) && deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(50);
        }

        Assert.Equal(chunks, running.VectorCount);
        Assert.Equal(chunks, running.FullTextCount);
        var hits = await ((Indexes.IFullTextIndex)running).SearchAsync("marker4", 100);
        Assert.NotEmpty(hits);
        Assert.All(hits, h => Assert.Equal("crash-4", h.DocumentId));
        Assert.Empty(await running.CheckIntegrityAsync());
    }

    [Theory]
    [InlineData(12)]
    [InlineData(30)]
    public async Task Acknowledged_documents_survive_kill_9_and_nothing_is_half_written(int killAfter)
    {
        using var folder = new TempFolder();
        var data = Path.Combine(folder.Path, "data");
        var ack = Path.Combine(folder.Path, "ack.txt");
        File.WriteAllText(ack, "");

        var host = CrashHostPath();
        Assert.True(File.Exists(host), $"crash host not built at {host}");
        using var child = Process.Start(new ProcessStartInfo("dotnet", [host, data, ack])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!;
        var stderr = child.StandardError.ReadToEndAsync();
        var deadline = Stopwatch.StartNew();
        while (AckedIds(ack).Count < killAfter)
        {
            Assert.False(child.HasExited, $"crash host exited early ({(child.HasExited ? child.ExitCode : 0)}): {(child.HasExited ? await stderr : "")}");
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(90), "crash host too slow");
            await Task.Delay(5);
        }

        child.Kill(entireProcessTree: true);
        await child.WaitForExitAsync();
        var acked = AckedIds(ack);
        Assert.True(acked.Count >= killAfter);

        await using var store = await EmbeddedKnowledgeStore.OpenAsync(data);
        Assert.Empty(await store.CheckIntegrityAsync());
        var chunker = new TextChunker(CrashDocuments.Options.Chunking);
        var stored = await store.FindDocumentsAsync(limit: 100_000);
        Assert.Superset(acked.ToHashSet(), stored.Select(d => d.Id).ToHashSet());
        Assert.True(stored.Count <= acked.Count + 1, $"{stored.Count} stored, {acked.Count} acknowledged");

        foreach (var document in stored)
        {
            // Every document in the store — acknowledged or the one committed just before the kill — is complete.
            var i = int.Parse(document.Id["crash-".Length..], System.Globalization.CultureInfo.InvariantCulture);
            var expected = chunker.Chunk(new Ingestion.Extractors.MarkdownExtractor().Extract(System.Text.Encoding.UTF8.GetBytes(CrashDocuments.Text(i)), "x"));
            var chunks = await store.GetChunksAsync(document.Id);
            Assert.Equal(expected.Select(c => c.Text), chunks.Select(c => c.Text));
            Assert.Equal(document.ChunkCount, chunks.Count);
            Assert.All(chunks, c => Assert.Equal(256, c.Embedding.Length));
            var text = await ((Indexes.IFullTextIndex)store).SearchAsync($"marker{i}", 100);
            Assert.Equal(chunks.Count, text.Count(h => h.DocumentId == document.Id));
        }

        Assert.Equal((await store.GetStatsAsync()).Chunks, store.VectorCount);

        // The store is usable after the crash: the next ingestion and a hybrid search work.
        var service = new KnowledgeService(store, new Embeddings.HashingEmbeddingGenerator(), CrashDocuments.Options);
        var next = await service.IngestAsync(CrashDocuments.Request(100_000));
        Assert.Equal(IngestionStatus.Added, next.Status);
        var hits = await service.SearchAsync(new SearchRequest { Query = "marker3", Limit = 1 });
        Assert.Equal("crash-3", hits[0].DocumentId);
    }

    private static List<string> AckedIds(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var text = reader.ReadToEnd();
        // Only whole lines count: a line without its newline was not acknowledged yet.
        var end = text.LastIndexOf('\n');
        return end < 0 ? [] : text[..end].Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
    }
}
