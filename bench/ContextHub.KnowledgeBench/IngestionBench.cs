using System.Diagnostics;
using System.Globalization;
using ContextHub.Embeddings.MiniLM;
using ContextHub.Knowledge;
using ContextHub.Knowledge.Embedded;
using ContextHub.Knowledge.Embeddings;
using ContextHub.Knowledge.Ingestion;
using Microsoft.Extensions.AI;

namespace ContextHub.KnowledgeBench;

/// <summary>One ingestion measurement: what went in, how long it took, and where the time went.</summary>
internal sealed record IngestionRun(string Name, int Documents, int Chunks, int Failed, TimeSpan Wall, TimeSpan? Embedding, TimeSpan Store)
{
    public double DocumentsPerSecond => Documents / Wall.TotalSeconds;

    public double ChunksPerSecond => Chunks / Wall.TotalSeconds;

    public double? EmbeddingShare => Embedding is { } e ? e / Wall : null;

    public double StoreShare => Store / Wall;

    /// <summary>Extraction, chunking, hashing, look-ups before the write: the wall time neither in the model nor in the write.</summary>
    public double OtherShare => Math.Max(0, 1 - (EmbeddingShare ?? 0) - StoreShare);
}

internal sealed record IngestionResults(
    IReadOnlyList<IngestionRun> Runs,
    TimeSpan? ModelLoad,
    LatencyStats? QueryEmbedding,
    IngestionRun? MiniLM,
    IngestionRun Hashing,
    IngestionRun RawFull,
    IngestionRun RawNormal);

/// <summary>
/// Ingestion throughput: Markdown documents through <see cref="KnowledgeService.IngestAsync(IReadOnlyList{IngestionRequest}, IProgress{IngestionProgress}?, CancellationToken)"/>
/// with the MiniLM model and with the hashing generator, then the hashing run's documents and chunks (vectors
/// included) written again straight through <see cref="Knowledge.Indexes.IKnowledgeStore.UpsertDocumentAsync"/>.
/// </summary>
internal static class IngestionBench
{
    public static async Task<IngestionResults> RunAsync(BenchOptions options, SyntheticCorpus corpus, string root, CancellationToken cancellationToken)
    {
        var withModel = options.Model == "minilm" && options.IngestDocuments > 0;
        var total = Math.Max(withModel ? options.IngestDocuments : 0, options.HashingDocuments);
        Console.WriteLine($"Ingestion: generating {total:N0} Markdown documents");
        var requests = Enumerable.Range(0, total).Select(i => Request(corpus, i)).ToList();
        var runs = new List<IngestionRun>();

        // JIT and first-use costs (Markdig, the chunker, SQLite, FTS5) go to a scratch store first.
        await IngestAsync("warm-up", new HashingEmbeddingGenerator(SyntheticCorpus.Dimensions), Enumerable.Range(1_000_000, 20).Select(i => Request(corpus, i)).ToList(),
            Path.Combine(root, "ingest-warmup"), capture: false, quiet: true, cancellationToken);

        TimeSpan? modelLoad = null;
        LatencyStats? queryEmbedding = null;
        IngestionRun? miniLm = null;
        if (withModel)
        {
            var watch = Stopwatch.StartNew();
            using var generator = new MiniLMEmbeddingGenerator();
            await generator.GenerateAsync(requests.Take(4).Select(r => System.Text.Encoding.UTF8.GetString(r.Content!.Value.Span)).Select(t => t[..Math.Min(400, t.Length)]), cancellationToken: cancellationToken);
            modelLoad = watch.Elapsed;
            Console.WriteLine($"  MiniLM loaded and warmed up in {modelLoad.Value.TotalSeconds:F1} s");
            (miniLm, _) = await IngestAsync("KnowledgeService.IngestAsync + MiniLM", generator, requests.Take(options.IngestDocuments).ToList(),
                Path.Combine(root, "ingest-minilm"), capture: false, quiet: false, cancellationToken);
            runs.Add(miniLm);

            // What a search pays for embedding its query with this model (the search measurements leave it out).
            var random = new Random(SyntheticCorpus.Mix(options.Seed, 5, 5));
            var latencies = new List<double>();
            for (var i = 0; i < 100; i++)
            {
                var query = string.Join(' ', Enumerable.Range(0, 2 + random.Next(5)).Select(_ => corpus.Word(random, 30)));
                var started = Stopwatch.GetTimestamp();
                await generator.GenerateAsync([query], cancellationToken: cancellationToken);
                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            queryEmbedding = LatencyStats.From(latencies.Skip(20).ToList());
            Console.WriteLine($"  MiniLM query embedding (2-6 words): p50 {queryEmbedding.P50:F2} ms, p99 {queryEmbedding.P99:F2} ms");
        }

        var (hashing, captured) = await IngestAsync("KnowledgeService.IngestAsync + hashing", new HashingEmbeddingGenerator(SyntheticCorpus.Dimensions),
            requests.Take(options.HashingDocuments).ToList(), Path.Combine(root, "ingest-hashing"), capture: true, quiet: false, cancellationToken);
        runs.Add(hashing);

        var rawFull = await ReplayAsync("IKnowledgeStore.UpsertDocumentAsync, synchronous FULL", captured, Path.Combine(root, "raw-full"), synchronousFull: true, cancellationToken);
        var rawNormal = await ReplayAsync("IKnowledgeStore.UpsertDocumentAsync, synchronous NORMAL", captured, Path.Combine(root, "raw-normal"), synchronousFull: false, cancellationToken);
        runs.Add(rawFull);
        runs.Add(rawNormal);
        return new IngestionResults(runs, modelLoad, queryEmbedding, miniLm, hashing, rawFull, rawNormal);
    }

    private static IngestionRequest Request(SyntheticCorpus corpus, int i) =>
        IngestionRequest.FromText("bench/ingest/doc-" + i.ToString("D7", CultureInfo.InvariantCulture) + ".md", corpus.MarkdownDocument(i, out _), MimeTypes.Markdown)
            with { Tags = [SyntheticCorpus.Tag(i)] };

    private static async Task<(IngestionRun Run, List<(Document, IReadOnlyList<Chunk>)> Captured)> IngestAsync(
        string name,
        IEmbeddingGenerator<string, Embedding<float>> generator,
        IReadOnlyList<IngestionRequest> requests,
        string folder,
        bool capture,
        bool quiet,
        CancellationToken cancellationToken)
    {
        try
        {
            await using var store = await EmbeddedKnowledgeStore.OpenAsync(new EmbeddedStoreOptions { DataFolder = folder }, null, cancellationToken);
            var timedStore = new TimingStore(store, capture);
            var timedGenerator = new TimingEmbeddingGenerator(generator);
            var service = new KnowledgeService(timedStore, timedGenerator);
            await service.InitializeAsync(cancellationToken); // binds the model; not part of the measured time

            var progress = quiet ? null : new ChunkCountingProgress(new ProgressLine(name, requests.Count, "documents"));
            var watch = Stopwatch.StartNew();
            var batch = await service.IngestAsync(requests, progress, cancellationToken);
            watch.Stop();

            var failed = batch.Failures.ToList();
            foreach (var failure in failed.Take(3))
            {
                Console.WriteLine($"  FAILED: {failure}");
            }

            var stats = await store.GetStatsAsync(cancellationToken);
            var run = new IngestionRun(name, batch.Count(IngestionStatus.Added), (int)stats.Chunks, failed.Count, watch.Elapsed, timedGenerator.Elapsed, timedStore.UpsertTime);
            if (!quiet)
            {
                Console.WriteLine($"  {name}: {run.Documents:N0} documents, {run.Chunks:N0} chunks in {run.Wall.TotalSeconds:F1} s = {run.DocumentsPerSecond:N1} documents/s, " +
                                  $"{run.ChunksPerSecond:N1} chunks/s (embedding {Format.Percent(run.EmbeddingShare ?? 0)}, store {Format.Percent(run.StoreShare)})");
            }

            return (run, timedStore.Captured);
        }
        finally
        {
            DeleteFolder(folder);
        }
    }

    private static async Task<IngestionRun> ReplayAsync(string name, List<(Document Document, IReadOnlyList<Chunk> Chunks)> captured, string folder, bool synchronousFull, CancellationToken cancellationToken)
    {
        try
        {
            await using var store = await EmbeddedKnowledgeStore.OpenAsync(new EmbeddedStoreOptions { DataFolder = folder, SynchronousFull = synchronousFull }, null, cancellationToken);
            var first = captured[0].Chunks[0].Embedding.Length;
            await store.BindEmbeddingModelAsync(new EmbeddingModelInfo("contexthub-hashing-v1", first), cancellationToken);
            var progress = new ProgressLine(name, captured.Count, "documents");
            var chunks = 0;
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < captured.Count; i++)
            {
                await store.UpsertDocumentAsync(captured[i].Document, captured[i].Chunks, cancellationToken);
                chunks += captured[i].Chunks.Count;
                progress.Report(i + 1, $"{chunks:N0} chunks");
            }

            watch.Stop();
            var run = new IngestionRun(name, captured.Count, chunks, 0, watch.Elapsed, null, watch.Elapsed);
            Console.WriteLine($"  {name}: {run.DocumentsPerSecond:N1} documents/s, {run.ChunksPerSecond:N1} chunks/s");
            return run;
        }
        finally
        {
            DeleteFolder(folder);
        }
    }

    public static void DeleteFolder(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (IOException e)
        {
            Console.WriteLine($"  (could not delete {folder}: {e.Message})");
        }
    }

    private sealed class ChunkCountingProgress(ProgressLine line) : IProgress<IngestionProgress>
    {
        private int _chunks;

        public void Report(IngestionProgress value)
        {
            _chunks += value.Last.ChunkCount;
            line.Report(value.Completed, $"{_chunks:N0} chunks");
        }
    }
}
