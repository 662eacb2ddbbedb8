using System.Diagnostics;
using System.Numerics.Tensors;
using ContextHub.Knowledge;
using ContextHub.Knowledge.Embedded;
using ContextHub.Knowledge.Filters;
using ContextHub.Knowledge.Search;

namespace ContextHub.KnowledgeBench;

internal sealed record BuildInfo(int Chunks, int Documents, TimeSpan Build, TimeSpan Reopen, long DiskBytes, long ManagedBytes, long WorkingSetBytes);

/// <summary>One latency line: an operation under a filter at a store size, plus the average number of hits (a sanity check).</summary>
/// <param name="Latencies">Per measured query, in the order of <see cref="SizeResults.Queries"/>.</param>
internal sealed record SearchRow(int Chunks, string Operation, string Filter, LatencyStats Stats, double AverageHits, IReadOnlyList<double> Latencies);

internal sealed record RecallRow(int Chunks, string Filter, int Queries, double Recall, double Minimum, int Imperfect);

internal sealed record SizeResults(BuildInfo Build, IReadOnlyList<string> Queries, IReadOnlyList<SearchRow> Rows, IReadOnlyList<RecallRow> Recall);

/// <summary>
/// Search latency and vector recall at one store size. The store is built by writing synthetic documents with
/// precomputed vectors straight through <see cref="Knowledge.Indexes.IKnowledgeStore.UpsertDocumentAsync"/>, then
/// closed and opened again (as a server start would), then queried one query at a time.
/// </summary>
internal static class SearchBench
{
    public const string ModelId = "bench-synthetic-384";
    public const string FilterLabel = "tags = t3 (10 % of documents)";
    private const int FilteredTag = 3;

    private sealed record Query(string Text, float[] Vector);

    public static async Task<SizeResults> RunAsync(BenchOptions options, SyntheticCorpus corpus, int chunks, string root, CancellationToken cancellationToken)
    {
        if (options.Stores is { } stores)
        {
            // Kept between runs: one folder per size, seed and chunks per document, built the first time only.
            return await RunCoreAsync(options, corpus, chunks, Path.Combine(stores, $"search-{chunks}-seed{options.Seed}-per{options.ChunksPerDocument}"), cancellationToken);
        }

        var folder = Path.Combine(root, "search-" + chunks);
        try
        {
            return await RunCoreAsync(options, corpus, chunks, folder, cancellationToken);
        }
        finally
        {
            IngestionBench.DeleteFolder(folder);
        }
    }

    private static async Task<SizeResults> RunCoreAsync(BenchOptions options, SyntheticCorpus corpus, int chunks, string folder, CancellationToken cancellationToken)
    {
        var perDocument = options.ChunksPerDocument;
        var documents = (chunks + perDocument - 1) / perDocument;
        int ChunksOf(int d) => Math.Min(perDocument, chunks - (d * perDocument));

        Console.WriteLine();
        Console.WriteLine($"Search at {chunks:N0} chunks ({documents:N0} documents of up to {perDocument} chunks)");

        // Built in a method of its own: a disposed store held by this method's state machine would keep its vectors alive.
        var build = File.Exists(Path.Combine(folder, BuiltMarker))
            ? TimeSpan.Zero
            : await BuildAsync(options, corpus, chunks, documents, ChunksOf, folder, cancellationToken);
        var reopenWatch = Stopwatch.StartNew();
        await using var store = await EmbeddedKnowledgeStore.OpenAsync(new EmbeddedStoreOptions { DataFolder = folder }, null, cancellationToken);
        var reopen = reopenWatch.Elapsed;
        if (store.VectorCount != chunks)
        {
            throw new InvalidOperationException($"The store holds {store.VectorCount} vectors after the build; {chunks} were written.");
        }

        var managed = GC.GetTotalMemory(forceFullCollection: true);
        var buildInfo = new BuildInfo(chunks, documents, build, reopen, Format.FolderSize(folder), managed, Environment.WorkingSet);
        Console.WriteLine((build == TimeSpan.Zero ? $"  reused the store in {folder}" : $"  built in {build.TotalSeconds:F1} s ({chunks / build.TotalSeconds:N0} chunks/s)") + $", reopened in {reopen.TotalSeconds:F2} s; " +
                          $"{Format.Size(buildInfo.DiskBytes)} on disk, managed heap {Format.Size(managed)}, working set {Format.Size(buildInfo.WorkingSetBytes)}");

        // Queries: 2–4 words (not among the 30 most frequent), and a vector: three in four are an existing chunk's
        // vector moved a little, one in four a random direction.
        var random = new Random(SyntheticCorpus.Mix(options.Seed, chunks, 77));
        var texts = new HashSet<string>(StringComparer.Ordinal);
        Query Next(int i)
        {
            string text;
            do
            {
                text = string.Join(' ', Enumerable.Range(0, 2 + random.Next(3)).Select(_ => corpus.Word(random, 30)));
            }
            while (!texts.Add(text));

            var d = random.Next(documents);
            var vector = i % 4 == 3 ? SyntheticCorpus.RandomUnit(random) : SyntheticCorpus.Perturbed(corpus.ChunkVector(d, random.Next(ChunksOf(d))), random);
            return new Query(text, vector);
        }

        var warmup = Enumerable.Range(0, options.Warmup).Select(Next).ToList();
        var measured = Enumerable.Range(0, options.Queries).Select(Next).ToList();
        var embedder = new PrecomputedQueryEmbedder(ModelId, warmup.Concat(measured).ToDictionary(q => q.Text, q => q.Vector, StringComparer.Ordinal));
        var service = new KnowledgeService(store, embedder);
        await service.InitializeAsync(cancellationToken);

        var filters = new (string Label, MetadataFilter? Filter)[]
        {
            ("none", null),
            (FilterLabel, MetadataFilter.Equal(DocumentFields.Tags, "t" + FilteredTag)),
        };
        var operations = new (string Name, Func<Query, MetadataFilter?, Task<int>> Run)[]
        {
            ("full-text (KnowledgeService)", async (q, f) => (await service.SearchAsync(new SearchRequest { Query = q.Text, Mode = SearchMode.FullText, Filter = f }, cancellationToken)).Count),
            ("vector (KnowledgeService)", async (q, f) => (await service.SearchAsync(new SearchRequest { Query = q.Text, Mode = SearchMode.Vector, Filter = f }, cancellationToken)).Count),
            ("hybrid (KnowledgeService)", async (q, f) => (await service.SearchAsync(new SearchRequest { Query = q.Text, Mode = SearchMode.Hybrid, Filter = f }, cancellationToken)).Count),
            ("full-text index only, k = 50", async (q, f) => (await store.FullText.SearchAsync(q.Text, 50, f, cancellationToken)).Count),
            ("vector index only, k = 50", async (q, f) => (await store.Vectors.SearchAsync(q.Vector, 50, f, cancellationToken)).Count),
        };

        var rows = new List<SearchRow>();
        foreach (var (name, run) in operations)
        {
            foreach (var (label, filter) in filters)
            {
                foreach (var q in warmup)
                {
                    await run(q, filter);
                }

                GC.Collect();
                GC.WaitForPendingFinalizers();
                var latencies = new List<double>(measured.Count);
                long hits = 0;
                foreach (var q in measured)
                {
                    var started = Stopwatch.GetTimestamp();
                    hits += await run(q, filter);
                    latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }

                var stats = LatencyStats.From(latencies);
                rows.Add(new SearchRow(chunks, name, label, stats, (double)hits / measured.Count, latencies));
                Console.WriteLine($"  {name,-30} filter {label,-30} mean {stats.Mean,7:F2} ms  p50 {stats.P50,7:F2} ms  p99 {stats.P99,7:F2} ms  max {stats.Max,7:F2} ms  hits {(double)hits / measured.Count:F1}");
            }
        }

        var recall = await RecallAsync(store, corpus, chunks, perDocument, measured.Select(q => q.Vector).ToList(), filters[1].Filter!, cancellationToken);
        return new SizeResults(buildInfo, measured.Select(q => q.Text).ToList(), rows, recall);
    }

    /// <summary>Written after a complete build, so a kept store interrupted half-way is built again.</summary>
    private const string BuiltMarker = "bench-built";

    private static async Task<TimeSpan> BuildAsync(BenchOptions options, SyntheticCorpus corpus, int chunks, int documents, Func<int, int> chunksOf, string folder, CancellationToken cancellationToken)
    {
        IngestionBench.DeleteFolder(folder);
        // Synchronous NORMAL: durability is not what is measured here.
        var watch = Stopwatch.StartNew();
        await using var builder = await EmbeddedKnowledgeStore.OpenAsync(new EmbeddedStoreOptions { DataFolder = folder, SynchronousFull = false }, null, cancellationToken);
        await builder.BindEmbeddingModelAsync(new EmbeddingModelInfo(ModelId, SyntheticCorpus.Dimensions), cancellationToken);
        var progress = new ProgressLine("building", documents, "documents");
        var epoch = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        for (var d = 0; d < documents; d++)
        {
            var id = SyntheticCorpus.DocumentId(d);
            var list = new List<Chunk>(chunksOf(d));
            for (var c = 0; c < chunksOf(d); c++)
            {
                list.Add(new Chunk { Id = Chunk.MakeId(id, c), DocumentId = id, Ordinal = c, Text = corpus.ChunkText(d, c), Embedding = corpus.ChunkVector(d, c) });
            }

            await builder.UpsertDocumentAsync(new Document
            {
                Id = id,
                Source = "bench/source-" + (d % 50),
                Title = corpus.Title(d),
                Tags = [SyntheticCorpus.Tag(d)],
                CreatedAt = epoch.AddMinutes(d),
                UpdatedAt = epoch.AddMinutes(d),
                ContentHash = Convert.ToHexStringLower(BitConverter.GetBytes(SyntheticCorpus.Mix(options.Seed, d, 99))) + id,
            }, list, cancellationToken);
            progress.Report(d + 1, $"{Math.Min(chunks, (d + 1) * options.ChunksPerDocument):N0} chunks");
        }

        await File.WriteAllTextAsync(Path.Combine(folder, BuiltMarker), "", cancellationToken);
        return watch.Elapsed;
    }

    /// <summary>
    /// Recall@10 of the store's vector search against a brute-force scan computed here: every chunk vector is generated
    /// again (block by block, no second copy of the index), dotted with every query (TensorPrimitives), and the exact
    /// top 10 kept per query, without and with the tag filter.
    /// </summary>
    private static async Task<List<RecallRow>> RecallAsync(
        EmbeddedKnowledgeStore store,
        SyntheticCorpus corpus,
        int chunks,
        int perDocument,
        List<float[]> queries,
        MetadataFilter tagFilter,
        CancellationToken cancellationToken)
    {
        const int k = 10, block = 2048;
        var dims = SyntheticCorpus.Dimensions;
        var watch = Stopwatch.StartNew();
        var all = queries.Select(_ => new PriorityQueue<int, float>(k + 1)).ToArray();
        var tagged = queries.Select(_ => new PriorityQueue<int, float>(k + 1)).ToArray();
        var buffer = new float[block * dims];
        var inTag = new bool[block];
        for (var start = 0; start < chunks; start += block)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var n = Math.Min(block, chunks - start);
            for (var j = 0; j < n; j++)
            {
                var (d, c) = Math.DivRem(start + j, perDocument);
                corpus.ChunkVector(d, c).CopyTo(buffer, j * dims);
                inTag[j] = d % 10 == FilteredTag;
            }

            Parallel.For(0, queries.Count, qi =>
            {
                var query = queries[qi].AsSpan();
                for (var j = 0; j < n; j++)
                {
                    var score = TensorPrimitives.Dot(query, buffer.AsSpan(j * dims, dims));
                    Offer(all[qi], start + j, score, k);
                    if (inTag[j])
                    {
                        Offer(tagged[qi], start + j, score, k);
                    }
                }
            });
        }

        var scan = watch.Elapsed;
        var rows = new List<RecallRow>();
        foreach (var (label, filter, heaps) in new[] { ("none", (MetadataFilter?)null, all), (FilterLabel, tagFilter, tagged) })
        {
            var recalls = new List<double>(queries.Count);
            for (var qi = 0; qi < queries.Count; qi++)
            {
                var exact = heaps[qi].UnorderedItems.Select(e => Chunk.MakeId(SyntheticCorpus.DocumentId(e.Element / perDocument), e.Element % perDocument)).ToHashSet(StringComparer.Ordinal);
                var found = await store.Vectors.SearchAsync(queries[qi], k, filter, cancellationToken);
                recalls.Add(exact.Count == 0 ? 1 : (double)found.Count(h => exact.Contains(h.ChunkId)) / exact.Count);
            }

            var row = new RecallRow(chunks, label, queries.Count, recalls.Average(), recalls.Min(), recalls.Count(r => r < 1));
            rows.Add(row);
            Console.WriteLine($"  recall@10 filter {label,-30} {row.Recall:F4} (min {row.Minimum:F2}, {row.Imperfect} of {row.Queries} queries below 1)");
        }

        Console.WriteLine($"  (brute-force scan of {chunks:N0} vectors × {queries.Count} queries: {scan.TotalSeconds:F1} s)");
        return rows;
    }

    private static void Offer(PriorityQueue<int, float> heap, int item, float score, int k)
    {
        if (heap.Count < k)
        {
            heap.Enqueue(item, score);
        }
        else if (heap.TryPeek(out _, out var worst) && score > worst)
        {
            heap.DequeueEnqueue(item, score);
        }
    }
}
