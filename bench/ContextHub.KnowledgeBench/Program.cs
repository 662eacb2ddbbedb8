using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using ContextHub.KnowledgeBench;

// dotnet run -c Release --project bench/ContextHub.KnowledgeBench -- [--chunks 10000,100000] [--queries 300] [--model minilm|hashing]
BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (FormatException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}

if (options.Help)
{
    Console.WriteLine(BenchOptions.Usage);
    return 0;
}

using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cts.Cancel();
};

var root = Path.Combine(Path.GetTempPath(), "contexthub-knowledgebench-" + Guid.NewGuid().ToString("N")[..8]);
var started = DateTimeOffset.UtcNow;
var loadAverage = Report.LoadAverage();
Console.WriteLine($"ContextHub knowledge store benchmark: {Environment.ProcessorCount} cores, load average {loadAverage}, data in {root}");
try
{
    var corpus = new SyntheticCorpus(options.Seed);
    IngestionResults? ingestion = null;
    if (options.IngestDocuments > 0 || options.HashingDocuments > 0)
    {
        ingestion = await IngestionBench.RunAsync(options, corpus, root, cts.Token);
    }

    var sizes = new List<SizeResults>();
    foreach (var chunks in options.Chunks)
    {
        sizes.Add(await SearchBench.RunAsync(options, corpus, chunks, root, cts.Token));
    }

    var markdown = Report.Build(options, args, started, loadAverage, corpus, ingestion, sizes);
    Console.WriteLine();
    Console.WriteLine(markdown);
    var path = options.Output ?? Path.Combine(Report.RepositoryRoot(), "bench", "results", $"knowledge-{started:yyyyMMdd'T'HHmmss'Z'}.md");
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
    await File.WriteAllTextAsync(path, markdown);
    Console.WriteLine($"Report written to {path}");
    return 0;
}
catch (OperationCanceledException) when (cts.IsCancellationRequested)
{
    Console.Error.WriteLine("Cancelled.");
    return 130;
}
finally
{
    IngestionBench.DeleteFolder(root);
}

namespace ContextHub.KnowledgeBench
{
    internal sealed record BenchOptions
    {
        public IReadOnlyList<int> Chunks { get; init; } = [10_000, 100_000];

        public int Queries { get; init; } = 300;

        public int Warmup { get; init; } = 50;

        public string Model { get; init; } = "minilm";

        public int IngestDocuments { get; init; } = 200;

        public int HashingDocuments { get; init; } = 1000;

        public int ChunksPerDocument { get; init; } = 10;

        public int Seed { get; init; } = 42;

        public string? Output { get; init; }

        /// <summary>A folder where the search stores are kept and reused by later runs (built once per size and seed).</summary>
        public string? Stores { get; init; }

        public bool Help { get; init; }

        public const string Usage = """
            usage: dotnet run -c Release --project bench/ContextHub.KnowledgeBench -- [options]
              --chunks 10000,100000   store sizes for search latency and recall (k suffix allowed: 10k,100k; 'none' skips)
              --queries 300           measured queries per line (after the warm-up)
              --warmup 50             warm-up queries per line
              --model minilm|hashing  minilm (default) also ingests with the MiniLM model; hashing skips the model
              --ingest-docs 200       documents ingested with MiniLM (0 skips)
              --hashing-docs 1000     documents ingested with the hashing generator, then written raw (0 skips ingestion)
              --chunks-per-doc 10     chunks per document in the search stores
              --seed 42               seed of the synthetic data
              --out FILE              report path (default bench/results/knowledge-<timestamp>.md)
              --stores DIR            keep the search stores in DIR and reuse them in later runs (default: built afresh, deleted)
            """;

        public static BenchOptions Parse(string[] args)
        {
            var options = new BenchOptions();
            for (var i = 0; i < args.Length; i++)
            {
                var name = args[i];
                if (name is "-h" or "--help")
                {
                    options = options with { Help = true };
                    continue;
                }

                if (i + 1 >= args.Length)
                {
                    throw new FormatException($"{name} needs a value.");
                }

                var value = args[++i];
                options = name switch
                {
                    "--chunks" => options with { Chunks = value == "none" ? [] : value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Count).ToList() },
                    "--queries" => options with { Queries = Positive(name, value) },
                    "--warmup" => options with { Warmup = Count(value) },
                    "--model" => options with { Model = value is "minilm" or "hashing" ? value : throw new FormatException("--model is minilm or hashing.") },
                    "--ingest-docs" => options with { IngestDocuments = Count(value) },
                    "--hashing-docs" => options with { HashingDocuments = Count(value) },
                    "--chunks-per-doc" => options with { ChunksPerDocument = Positive(name, value) },
                    "--seed" => options with { Seed = Count(value) },
                    "--out" => options with { Output = value },
                    "--stores" => options with { Stores = Path.GetFullPath(value) },
                    _ => throw new FormatException($"Unknown option {name}."),
                };
            }

            if (options.HashingDocuments == 0 && options.IngestDocuments > 0 && options.Model == "minilm")
            {
                throw new FormatException("--hashing-docs 0 skips the whole ingestion part; set --ingest-docs 0 as well.");
            }

            return options;
        }

        private static int Positive(string name, string value)
        {
            var n = Count(value);
            return n > 0 ? n : throw new FormatException($"{name} must be at least 1.");
        }

        private static int Count(string value)
        {
            var multiplier = 1;
            if (value.EndsWith('k') || value.EndsWith('K'))
            {
                multiplier = 1000;
                value = value[..^1];
            }

            return int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= 0
                ? checked(n * multiplier)
                : throw new FormatException($"'{value}' is not a count.");
        }
    }

    internal static class Report
    {
        public const double HybridP99GoalMs = 20;
        public const double RecallGoal = 0.95;
        public const int GoalChunks = 100_000;

        public static string Build(BenchOptions options, string[] args, DateTimeOffset started, string loadAverage, SyntheticCorpus corpus, IngestionResults? ingestion, IReadOnlyList<SizeResults> sizes)
        {
            var md = new System.Text.StringBuilder();
            void Line(string text = "") => md.Append(text).Append('\n');

            Line("# Knowledge store benchmark: embedded backend");
            Line();
            Line($"{started:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}; " +
                 $"load average at start {loadAverage}, at the end {LoadAverage()}. Peak working set {Format.Size(Process.GetCurrentProcess().PeakWorkingSet64)}.");
            Line();
            Line("```sh");
            Line("dotnet run -c Release --project bench/ContextHub.KnowledgeBench --" + (args.Length == 0 ? "" : " " + string.Join(' ', args.Select(Quote))));
            Line("```");
            Line();
            Line($"Synthetic data (seed {options.Seed}): words from a {SyntheticCorpus.VocabularySize:N0}-word vocabulary (common English words, then made-up ones) " +
                 "with Zipf–Mandelbrot frequencies (s = 1, q = 2.7), so full-text postings are realistic: a few very long lists and a long tail. " +
                 $"Vectors: {SyntheticCorpus.Dimensions}-d, normalized, around 256 cluster centres with a per-document and a per-chunk offset.");
            Line();

            Goals(md, ingestion, sizes);
            if (ingestion is not null)
            {
                Ingestion(md, options, ingestion);
            }

            if (sizes.Count > 0)
            {
                Search(md, options, ingestion, sizes);
                Slowest(md, corpus, sizes);
                Recall(md, sizes);
            }

            return md.ToString();
        }

        private static void Goals(System.Text.StringBuilder md, IngestionResults? ingestion, IReadOnlyList<SizeResults> sizes)
        {
            void Line(string text = "") => md.Append(text).Append('\n');
            Line("## Goals");
            Line();
            Line("| goal | measured | result |");
            Line("|---|---|---|");

            var goalSize = sizes.Select(s => s.Build.Chunks).Where(c => c >= GoalChunks).Order().FirstOrDefault();
            foreach (var filter in new[] { "none", SearchBench.FilterLabel })
            {
                var label = $"hybrid search p99 < {HybridP99GoalMs} ms at {Format.Chunks(GoalChunks)} chunks, filter {filter}";
                var row = sizes.SelectMany(s => s.Rows).FirstOrDefault(r => r.Chunks == goalSize && r.Operation.StartsWith("hybrid", StringComparison.Ordinal) && r.Filter == filter);
                Line(row is null
                    ? $"| {label} | not measured (no store of {Format.Chunks(GoalChunks)} chunks or more) | n/a |"
                    : $"| {label} | p99 {Format.F2(row.Stats.P99)} ms at {Format.Chunks(row.Chunks)} (p50 {Format.F2(row.Stats.P50)} ms) | {PassMiss(row.Stats.P99 < HybridP99GoalMs)} |");
            }

            var recall = sizes.SelectMany(s => s.Recall).ToList();
            Line(recall.Count == 0
                ? $"| vector recall@10 ≥ {RecallGoal} | not measured | n/a |"
                : $"| vector recall@10 ≥ {RecallGoal} (every size, with and without filter) | lowest mean {Format.F3(recall.Min(r => r.Recall))}, lowest single query {Format.F2(recall.Min(r => r.Minimum))} | {PassMiss(recall.Min(r => r.Recall) >= RecallGoal)} |");

            const string ingestGoal = "ingestion limited by the embedding model, not the store";
            if (ingestion?.MiniLM is { } m)
            {
                var share = m.EmbeddingShare ?? 0;
                var headroom = ingestion.RawFull.ChunksPerSecond / m.ChunksPerSecond;
                Line($"| {ingestGoal} | MiniLM takes {Format.Percent(share)} of ingestion time, the store {Format.Percent(m.StoreShare)}; " +
                     $"the store alone writes {Format.N0(ingestion.RawFull.ChunksPerSecond)} chunks/s (synchronous FULL), {Format.F1(headroom)}× the {Format.F1(m.ChunksPerSecond)} chunks/s of ingestion with MiniLM | " +
                     $"{PassMiss(share > 0.5 && share > m.StoreShare)} |");
            }
            else
            {
                Line($"| {ingestGoal} | not measured (MiniLM ingestion skipped) | n/a |");
            }

            Line();
            Line($"PASS/MISS rules: hybrid p99 strictly under {HybridP99GoalMs} ms through `KnowledgeService.SearchAsync` (query embedding excluded); " +
                 $"mean recall@10 at least {RecallGoal} in every recall line; the embedding model takes more than half of the wall time of ingestion with MiniLM.");
            Line();
        }

        private static void Ingestion(System.Text.StringBuilder md, BenchOptions options, IngestionResults ingestion)
        {
            void Line(string text = "") => md.Append(text).Append('\n');
            Line("## Ingestion");
            Line();
            Line("Markdown documents of 2–5 sections (about 300–1200 words), ingested one after another with the default options " +
                 "(chunks of 1000 characters, 150 overlap; embedding batches of 32), into a fresh store (synchronous FULL unless the line says otherwise). " +
                 "The raw store lines write the documents and chunks of the hashing run again, vectors included, straight through `IKnowledgeStore.UpsertDocumentAsync`. " +
                 "Columns *model*, *store* and *other* split the wall time: in the embedding generator, in `UpsertDocumentAsync`, and the rest " +
                 "(extraction, chunking, SHA-256, the duplicate look-ups before each write).");
            Line();
            Line("| run | documents | chunks | seconds | documents/s | chunks/s | model | store | other |");
            Line("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var r in ingestion.Runs)
            {
                Line($"| {r.Name} | {Format.N0(r.Documents)} | {Format.N0(r.Chunks)} | {Format.F1(r.Wall.TotalSeconds)} | {Format.F1(r.DocumentsPerSecond)} | {Format.F1(r.ChunksPerSecond)} | " +
                     $"{(r.EmbeddingShare is { } e ? Format.Percent(e) : "–")} | {Format.Percent(r.StoreShare)} | {(r.EmbeddingShare is null ? "–" : Format.Percent(r.OtherShare))} |");
            }

            Line();
            if (ingestion.Runs.Any(r => r.Failed > 0))
            {
                Line($"Failed documents: {string.Join(", ", ingestion.Runs.Where(r => r.Failed > 0).Select(r => $"{r.Name}: {r.Failed}"))}.");
                Line();
            }

            if (ingestion.MiniLM is { } m)
            {
                Line($"MiniLM: loaded and warmed up in {Format.F1(ingestion.ModelLoad!.Value.TotalSeconds)} s (not counted); " +
                     $"{Format.F1(m.Chunks / m.Embedding!.Value.TotalSeconds)} chunk embeddings/s while ingesting; " +
                     $"a 2–6-word query embeds in {Format.F2(ingestion.QueryEmbedding!.P50)} ms p50, {Format.F2(ingestion.QueryEmbedding.P99)} ms p99.");
            }
            else
            {
                Line($"MiniLM not run (`--model {options.Model}`{(options.IngestDocuments == 0 ? ", `--ingest-docs 0`" : "")}).");
            }

            Line();
        }

        private static void Search(System.Text.StringBuilder md, BenchOptions options, IngestionResults? ingestion, IReadOnlyList<SizeResults> sizes)
        {
            void Line(string text = "") => md.Append(text).Append('\n');
            Line("## Search latency");
            Line();
            Line($"Each store is built by writing synthetic documents of {options.ChunksPerDocument} chunks (about 150 words each) with precomputed vectors " +
                 "straight through `IKnowledgeStore.UpsertDocumentAsync` (synchronous NORMAL: durability is not measured here), then closed and opened again, " +
                 "which loads every vector into memory as a server start does.");
            Line();
            Line("| chunks | documents | build s | chunks/s | open s | on disk | managed heap | working set |");
            Line("|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var b in sizes.Select(s => s.Build))
            {
                Line($"| {Format.N0(b.Chunks)} | {Format.N0(b.Documents)} | {(b.Build == TimeSpan.Zero ? "kept | –" : $"{Format.F1(b.Build.TotalSeconds)} | {Format.N0(b.Chunks / b.Build.TotalSeconds)}")} | {Format.F2(b.Reopen.TotalSeconds)} | " +
                     $"{Format.Size(b.DiskBytes)} | {Format.Size(b.ManagedBytes)} | {Format.Size(b.WorkingSetBytes)} |");
            }

            Line();
            Line($"One query at a time; per line {options.Warmup} warm-up queries, then {options.Queries} measured. Queries are 2–4 words (none among the 30 most frequent) " +
                 "and a vector: three in four are an existing chunk's vector moved a little, one in four a random direction. " +
                 "The `KnowledgeService` lines ask for 10 hits, one per document (the defaults); hybrid takes 50 full-text and 50 vector candidates and fuses them by reciprocal rank. " +
                 "**Query embedding is excluded**: the service's embedding generator returns the query's precomputed vector" +
                 (ingestion?.QueryEmbedding is { } q ? $" (with MiniLM, add about {Format.F2(q.P50)} ms p50 / {Format.F2(q.P99)} ms p99 to vector and hybrid search)." : ".") +
                 " The *index only* lines call `IFullTextIndex` / `IVectorIndex` directly with k = 50, the candidate count of a hybrid search. *hits* is the mean number of results (a sanity check).");
            Line();
            Line("| chunks | operation | filter | mean ms | p50 ms | p99 ms | max ms | hits |");
            Line("|---:|---|---|---:|---:|---:|---:|---:|");
            foreach (var r in sizes.SelectMany(s => s.Rows))
            {
                Line($"| {Format.N0(r.Chunks)} | {r.Operation} | {r.Filter} | {Format.F2(r.Stats.Mean)} | {Format.F2(r.Stats.P50)} | {Format.F2(r.Stats.P99)} | {Format.F2(r.Stats.Max)} | {Format.F1(r.AverageHits)} |");
            }

            Line();
        }

        private static void Slowest(System.Text.StringBuilder md, SyntheticCorpus corpus, IReadOnlyList<SizeResults> sizes)
        {
            void Line(string text = "") => md.Append(text).Append('\n');
            var largest = sizes.MaxBy(s => s.Build.Chunks)!;
            const double threshold = 0.05;
            var commonOnly = largest.Queries.Select(q => q.Split(' ').All(w => corpus.ExpectedChunkShare(w) > threshold)).ToList();
            Line($"### Where the hybrid tail comes from ({Format.N0(largest.Build.Chunks)} chunks)");
            Line();
            Line("The embedded store scores every chunk that contains any query word (BM25 over its in-memory inverted index), so queries made " +
                 "only of common words touch the most postings. Below, each query word carries the share of chunks expected to contain it " +
                 $"(from its frequency in the generator). *Common-only* queries are those with no word under {Format.Percent(threshold)}.");
            Line();
            Line("| filter | common-only queries | their mean ms | p50 ms of the others | p99 ms of the others | p99 ms of all |");
            Line("|---|---:|---:|---:|---:|---:|");
            var hybrid = largest.Rows.Where(r => r.Operation.StartsWith("hybrid", StringComparison.Ordinal)).ToList();
            foreach (var row in hybrid)
            {
                var common = row.Latencies.Where((_, i) => commonOnly[i]).ToList();
                var others = LatencyStats.From(row.Latencies.Where((_, i) => !commonOnly[i]).ToList());
                Line($"| {row.Filter} | {common.Count} of {row.Latencies.Count} | {(common.Count == 0 ? "–" : Format.F2(common.Average()))} | " +
                     $"{Format.F2(others.P50)} | {Format.F2(others.P99)} | {Format.F2(row.Stats.P99)} |");
            }

            Line();
            Line("The five slowest hybrid queries of each line:");
            Line();
            Line("| filter | ms | query |");
            Line("|---|---:|---|");
            foreach (var row in hybrid)
            {
                foreach (var (ms, i) in row.Latencies.Select((ms, i) => (ms, i)).OrderByDescending(x => x.ms).Take(5))
                {
                    var words = largest.Queries[i].Split(' ').Select(w => $"{w} ({Format.F1(corpus.ExpectedChunkShare(w) * 100)} %)");
                    Line($"| {row.Filter} | {Format.F2(ms)} | {string.Join(", ", words)} |");
                }
            }

            Line();
        }

        private static void Recall(System.Text.StringBuilder md, IReadOnlyList<SizeResults> sizes)
        {
            void Line(string text = "") => md.Append(text).Append('\n');
            Line("## Vector recall@10");
            Line();
            Line("The measured queries' vectors, searched with `IVectorIndex.SearchAsync(k = 10)` and compared with the exact top 10 computed here by a brute-force scan " +
                 "(every chunk vector, `TensorPrimitives.Dot`). The embedded store searches exactly, so anything below 1.0 is a bug.");
            Line();
            Line("| chunks | filter | queries | recall@10 | lowest | queries below 1 |");
            Line("|---:|---|---:|---:|---:|---:|");
            foreach (var r in sizes.SelectMany(s => s.Recall))
            {
                Line($"| {Format.N0(r.Chunks)} | {r.Filter} | {r.Queries} | {Format.F3(r.Recall)} | {Format.F2(r.Minimum)} | {r.Imperfect} |");
            }

            Line();
        }

        private static string PassMiss(bool pass) => pass ? "**PASS**" : "**MISS**";

        private static string Quote(string arg) => arg.Length > 0 && !arg.Any(char.IsWhiteSpace) ? arg : "\"" + arg + "\"";

        public static string LoadAverage()
        {
            try
            {
                return File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
            }
            catch (IOException)
            {
                return "unknown";
            }
        }

        /// <summary>The folder holding ContextHub.slnx, searched upwards from the working directory, then from the program.</summary>
        public static string RepositoryRoot()
        {
            foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            {
                for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                {
                    if (File.Exists(Path.Combine(dir.FullName, "ContextHub.slnx")))
                    {
                        return dir.FullName;
                    }
                }
            }

            return Directory.GetCurrentDirectory();
        }
    }
}
