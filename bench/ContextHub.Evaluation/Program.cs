using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ContextHub.Embeddings.MiniLM;
using ContextHub.Evaluation;
using ContextHub.Knowledge;
using ContextHub.Knowledge.Embedded;
using ContextHub.Knowledge.Embeddings;
using ContextHub.Knowledge.Ingestion;
using ContextHub.Knowledge.Search;
using Microsoft.Extensions.AI;

// dotnet run -c Release --project bench/ContextHub.Evaluation -- scifact ../shared/datasets/scifact [--data DIR] [--embedder minilm|hashing] [--chunk-size N] [--quantization None,Int8] [--documents N]
// dotnet run -c Release --project bench/ContextHub.Evaluation -- embed-speed [count] [--quantization None,Int8] [--rounds 3]
// dotnet run -c Release --project bench/ContextHub.Evaluation -- latency [--chunks 100000] [--queries 300]
var command = args.Length > 0 ? args[0] : "";
var options = Args.Parse(args.Skip(1).ToArray());
switch (command)
{
    case "scifact" when options.Positional.Count == 1:
        await SciFact.RunAsync(options.Positional[0], options);
        return 0;
    case "embed-speed":
        await EmbedSpeed.RunAsync(options.Positional.Count > 0 ? int.Parse(options.Positional[0], CultureInfo.InvariantCulture) : 512, options);
        return 0;
    case "latency":
        await Latency.RunAsync(options);
        return 0;
    default:
        Console.Error.WriteLine("usage: scifact <dataset folder> [--data DIR] [--embedder minilm|hashing] [--chunk-size N] [--quantization None,Int8] [--documents N] | embed-speed [count] [--quantization None,Int8] [--rounds N] | latency [--chunks N] [--queries N]");
        return 2;
}

namespace ContextHub.Evaluation
{
    internal sealed class Args
    {
        public List<string> Positional { get; } = [];

        public Dictionary<string, string> Named { get; } = [];

        public static Args Parse(string[] args)
        {
            var result = new Args();
            for (var i = 0; i < args.Length; i++)
            {
                if (args[i].StartsWith("--", StringComparison.Ordinal) && i + 1 < args.Length)
                {
                    result.Named[args[i][2..]] = args[++i];
                }
                else
                {
                    result.Positional.Add(args[i]);
                }
            }

            return result;
        }

        public string Get(string name, string fallback) => Named.GetValueOrDefault(name, fallback);

        public int GetInt(string name, int fallback) => Named.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

        /// <summary>The MiniLM weight settings to run one after another (<c>--quantization None,Int8</c>); the default alone when absent.</summary>
        public IReadOnlyList<MiniLMQuantization?> Quantizations() =>
            Named.TryGetValue("quantization", out var v)
                ? [.. v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(q => (MiniLMQuantization?)Enum.Parse<MiniLMQuantization>(q, ignoreCase: true))]
                : [null];

        public static string Name(MiniLMQuantization? quantization) => quantization?.ToString() ?? "default";
    }

    internal static class Stats
    {
        public static double Percentile(List<double> values, double p)
        {
            var sorted = values.Order().ToList();
            return sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
        }
    }

    internal static class SciFact
    {
        public static async Task RunAsync(string datasetFolder, Args args)
        {
            var embedderName = args.Get("embedder", "minilm");
            var rows = new List<string>();
            foreach (var quantization in embedderName == "hashing" ? [null] : args.Quantizations())
            {
                var label = embedderName == "hashing" ? "hashing" : $"minilm, Quantization={Args.Name(quantization)}";
                var suffix = embedderName == "hashing" ? "hashing" : "minilm-" + Args.Name(quantization).ToLowerInvariant();
                var data = args.Get("data", Path.Combine(Path.GetTempPath(), "contexthub-scifact")) + "-" + suffix;
                using IEmbeddingGenerator<string, Embedding<float>> embedder = embedderName == "hashing"
                    ? new HashingEmbeddingGenerator(384)
                    : new MiniLMEmbeddingGenerator(new MiniLMOptions { Quantization = quantization?.ToString() });
                Console.WriteLine($"== {label}");
                rows.AddRange((await RunOneAsync(datasetFolder, data, embedder, args)).Select(r => $"| {label} | {r}"));
            }

            Console.WriteLine();
            var subset = args.GetInt("documents", 0) is > 0 and var n ? $"; subset: the judged documents and others up to {n}" : "";
            Console.WriteLine($"# SciFact, side by side ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}{subset})");
            Console.WriteLine();
            Console.WriteLine("| model | mode | nDCG@10 | recall@10 | p50 ms | p99 ms | ingestion s | ingestion CPU s |");
            Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|");
            rows.ForEach(Console.WriteLine);
        }

        private static async Task<List<string>> RunOneAsync(string datasetFolder, string data, IEmbeddingGenerator<string, Embedding<float>> embedder, Args args)
        {
            var chunkSize = args.GetInt("chunk-size", 1000);
            await using var store = await EmbeddedKnowledgeStore.OpenAsync(new EmbeddedStoreOptions { DataFolder = data, SynchronousFull = false });
            var service = new KnowledgeService(store, embedder, new KnowledgeOptions { Chunking = new ChunkingOptions { ChunkSize = chunkSize, Overlap = Math.Min(150, chunkSize / 5) } });

            var qrels = File.ReadLines(Path.Combine(datasetFolder, "qrels-test.tsv")).Skip(1)
                .Select(l => l.Split('\t'))
                .Where(p => p.Length >= 3 && int.Parse(p[2], CultureInfo.InvariantCulture) > 0)
                .GroupBy(p => p[0])
                .ToDictionary(g => g.Key, g => g.Select(p => p[1]).ToHashSet());
            var corpus = File.ReadLines(Path.Combine(datasetFolder, "corpus.jsonl")).Select(Parse).ToList();
            if (args.GetInt("documents", 0) is > 0 and var limit && limit < corpus.Count)
            {
                // A subset for a busy machine: every judged document, then the corpus's first others up to the limit.
                // Easier than the whole corpus (fewer distractors), so compare its figures only with each other.
                var judged = qrels.Values.SelectMany(d => d).ToHashSet();
                var others = corpus.Where(d => !judged.Contains(d.Id)).Take(Math.Max(0, limit - judged.Count)).Select(d => d.Id).ToHashSet();
                corpus = [.. corpus.Where(d => judged.Contains(d.Id) || others.Contains(d.Id))];
            }

            Console.WriteLine($"corpus: {corpus.Count} documents; data folder {data}");
            var watch = Stopwatch.StartNew();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var requests = corpus.Select(d => IngestionRequest.FromText("scifact/" + d.Id, d.Text) with { Id = d.Id, Title = d.Title }).ToList();
            var progress = new Progress<IngestionProgress>(p =>
            {
                if (p.Completed % 500 == 0)
                {
                    Console.WriteLine($"  ingested {p.Completed}/{p.Total} in {watch.Elapsed.TotalSeconds:F0} s");
                }
            });
            var batch = await service.IngestAsync(requests, progress);
            var ingestSeconds = watch.Elapsed.TotalSeconds;
            var ingestCpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
            var ingestStats = await store.GetStatsAsync();
            Console.WriteLine($"ingestion: {batch.Count(IngestionStatus.Added)} added, {batch.Count(IngestionStatus.Unchanged)} unchanged, {batch.Failures.Count()} failed, {ingestStats.Chunks} chunks, {ingestSeconds:F1} s, {ingestCpu:F1} s CPU");

            var queries = File.ReadLines(Path.Combine(datasetFolder, "queries.jsonl")).Select(Parse).ToDictionary(q => q.Id, q => q.Text);
            var rows = new List<string>();
            foreach (var mode in new[] { SearchMode.FullText, SearchMode.Vector, SearchMode.Hybrid })
            {
                double ndcg = 0, recall = 0;
                var latencies = new List<double>();
                foreach (var (qid, relevant) in qrels)
                {
                    var started = Stopwatch.GetTimestamp();
                    var hits = await service.SearchAsync(new SearchRequest { Query = queries[qid], Mode = mode, Limit = 10 });
                    latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    var ranked = hits.Select(h => h.DocumentId).ToList();
                    ndcg += Ndcg(ranked, relevant, 10);
                    recall += (double)ranked.Take(10).Count(relevant.Contains) / relevant.Count;
                }

                var row = $"{mode} | {ndcg / qrels.Count:F4} | {recall / qrels.Count:F4} | {Stats.Percentile(latencies, 0.5):F2} | {Stats.Percentile(latencies, 0.99):F2} | {ingestSeconds:F0} | {ingestCpu:F0} |";
                Console.WriteLine("| " + row);
                rows.Add(row);
            }

            return rows;
        }

        private static double Ndcg(List<string> ranked, HashSet<string> relevant, int k)
        {
            var dcg = 0.0;
            for (var i = 0; i < Math.Min(k, ranked.Count); i++)
            {
                if (relevant.Contains(ranked[i]))
                {
                    dcg += 1 / Math.Log2(i + 2);
                }
            }

            var ideal = 0.0;
            for (var i = 0; i < Math.Min(k, relevant.Count); i++)
            {
                ideal += 1 / Math.Log2(i + 2);
            }

            return ideal == 0 ? 0 : dcg / ideal;
        }

        private static (string Id, string Title, string Text) Parse(string line)
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            return (root.GetProperty("_id").GetString()!,
                root.TryGetProperty("title", out var t) ? t.GetString() ?? "" : "",
                root.GetProperty("text").GetString()!);
        }
    }

    internal static class EmbedSpeed
    {
        /// <summary>
        /// Embedding speed of each weight setting, side by side: rounds alternate between the settings so a busy machine
        /// weighs on both alike; medians of the rounds, with the process's CPU time per embedding (what survives load).
        /// </summary>
        public static async Task RunAsync(int count, Args args)
        {
            var random = new Random(7);
            var words = "the protein cell expression patients risk treatment increased gene cancer study data model analysis response effect clinical disease mice levels".Split(' ');
            var texts = Enumerable.Range(0, count).Select(_ => string.Join(' ', Enumerable.Range(0, 40 + random.Next(120)).Select(_ => words[random.Next(words.Length)]))).ToList();
            var settings = args.Quantizations();
            var generators = settings.Select(q => new MiniLMEmbeddingGenerator(new MiniLMOptions { Quantization = q?.ToString() })).ToList();
            var rounds = args.GetInt("rounds", 3);
            var rate = settings.Select(_ => new List<double>()).ToList();
            var cpuPer = settings.Select(_ => new List<double>()).ToList();
            var query = settings.Select(_ => new List<double>()).ToList();
            try
            {
                foreach (var generator in generators)
                {
                    await generator.GenerateAsync(texts.Take(8));
                }

                for (var round = 0; round < rounds; round++)
                {
                    for (var s = 0; s < settings.Count; s++)
                    {
                        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                        var watch = Stopwatch.StartNew();
                        for (var i = 0; i < texts.Count; i += 16)
                        {
                            await generators[s].GenerateAsync(texts.Skip(i).Take(16));
                        }

                        rate[s].Add(texts.Count / watch.Elapsed.TotalSeconds);
                        cpuPer[s].Add((Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / texts.Count);
                        for (var i = 0; i < 20; i++)
                        {
                            var started = Stopwatch.GetTimestamp();
                            await generators[s].GenerateAsync(["does vitamin d lower the risk of fractures in older adults"]);
                            query[s].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                        }

                        Console.WriteLine($"round {round + 1}, Quantization={Args.Name(settings[s])}: {rate[s][^1]:F1} embeddings/s, {cpuPer[s][^1]:F1} ms CPU each");
                    }
                }
            }
            finally
            {
                generators.ForEach(g => g.Dispose());
            }

            Console.WriteLine();
            Console.WriteLine($"# Embedding speed ({count} texts of 40-160 words, batches of 16, {rounds} alternating rounds, {Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]})");
            Console.WriteLine();
            Console.WriteLine("| Quantization | embeddings/s (median) | CPU ms per embedding (median) | vs first row (CPU) | one short query p50 ms |");
            Console.WriteLine("|---|---:|---:|---:|---:|");
            var baseline = Stats.Percentile(cpuPer[0], 0.5);
            for (var s = 0; s < settings.Count; s++)
            {
                var median = Stats.Percentile(cpuPer[s], 0.5);
                Console.WriteLine($"| {Args.Name(settings[s])} | {Stats.Percentile(rate[s], 0.5):F1} | {median:F1} | {median / baseline:F2}× | {Stats.Percentile(query[s], 0.5):F1} |");
            }
        }
    }

    /// <summary>Search latency at a given number of chunks, with random unit vectors (no model) and Zipf-like text.</summary>
    internal static class Latency
    {
        public static async Task RunAsync(Args args)
        {
            var chunks = args.GetInt("chunks", 100_000);
            var queryCount = args.GetInt("queries", 300);
            const int dims = 384, perDocument = 20;
            var data = args.Get("data", Path.Combine(Path.GetTempPath(), $"contexthub-latency-{chunks}"));
            var random = new Random(11);
            var vocabulary = Enumerable.Range(0, 20_000).Select(i => "w" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
            string Word() => vocabulary[(int)Math.Min(vocabulary.Length - 1, Math.Floor(Math.Pow(vocabulary.Length, random.NextDouble())))];
            float[] Vector()
            {
                var v = new float[dims];
                for (var i = 0; i < dims; i++)
                {
                    v[i] = (float)(random.NextDouble() - 0.5);
                }

                return VectorMath.Normalized(v).ToArray();
            }

            await using var store = await EmbeddedKnowledgeStore.OpenAsync(new EmbeddedStoreOptions { DataFolder = data });
            var model = new EmbeddingModelInfo("random-unit-vectors", dims);
            await store.BindEmbeddingModelAsync(model);
            var existing = (await store.GetStatsAsync()).Chunks;
            var watch = Stopwatch.StartNew();
            for (var d = (int)(existing / perDocument); d < chunks / perDocument; d++)
            {
                var id = "doc" + d.ToString(CultureInfo.InvariantCulture);
                var list = Enumerable.Range(0, perDocument).Select(c => new Chunk
                {
                    Id = Chunk.MakeId(id, c),
                    DocumentId = id,
                    Ordinal = c,
                    Text = string.Join(' ', Enumerable.Range(0, 120).Select(_ => Word())),
                    Embedding = Vector(),
                }).ToList();
                await store.UpsertDocumentAsync(new Document
                {
                    Id = id,
                    Source = "bench/" + (d % 50).ToString(CultureInfo.InvariantCulture),
                    Title = "Document " + d.ToString(CultureInfo.InvariantCulture),
                    ContentHash = id,
                    Tags = [d % 2 == 0 ? "even" : "odd"],
                    CreatedAt = DateTimeOffset.UnixEpoch.AddDays(d),
                    UpdatedAt = DateTimeOffset.UnixEpoch.AddDays(d),
                }, list);
            }

            Console.WriteLine($"{store.VectorCount} chunks ({watch.Elapsed.TotalSeconds:F1} s to write what was missing); reopen:");
            var fixedVectors = new FixedEmbeddingGenerator(model.ModelId, dims, Vector);
            var service = new KnowledgeService(store, fixedVectors);
            var queries = Enumerable.Range(0, queryCount).Select(_ => string.Join(' ', Enumerable.Range(0, 3 + random.Next(5)).Select(_ => Word()))).ToList();
            var filter = Knowledge.Filters.MetadataFilter.Equal(Knowledge.Filters.DocumentFields.Tags, "even");
            Console.WriteLine("| mode | filter | p50 ms | p99 ms |");
            Console.WriteLine("|---|---|---:|---:|");
            foreach (var mode in new[] { SearchMode.FullText, SearchMode.Vector, SearchMode.Hybrid })
            {
                foreach (var withFilter in new[] { false, true })
                {
                    for (var w = 0; w < 20; w++)
                    {
                        await service.SearchAsync(new SearchRequest { Query = queries[w], Mode = mode });
                    }

                    var latencies = new List<double>();
                    foreach (var query in queries)
                    {
                        var started = Stopwatch.GetTimestamp();
                        await service.SearchAsync(new SearchRequest { Query = query, Mode = mode, Filter = withFilter ? filter : null });
                        latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    }

                    Console.WriteLine($"| {mode} | {(withFilter ? "tags = even" : "none")} | {Stats.Percentile(latencies, 0.5):F2} | {Stats.Percentile(latencies, 0.99):F2} |");
                }
            }
        }

        private sealed class FixedEmbeddingGenerator(string modelId, int dims, Func<float[]> next) : IEmbeddingGenerator<string, Embedding<float>>
        {
            private readonly EmbeddingGeneratorMetadata _metadata = new("bench", null, modelId, dims);

            public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
            {
                var result = new GeneratedEmbeddings<Embedding<float>>();
                lock (_metadata)
                {
                    result.AddRange(values.Select(_ => new Embedding<float>(next())));
                }

                return Task.FromResult(result);
            }

            public object? GetService(Type serviceType, object? serviceKey = null) => serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata : null;

            public void Dispose()
            {
            }
        }
    }
}
