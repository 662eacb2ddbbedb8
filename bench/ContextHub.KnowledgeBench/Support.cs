using System.Diagnostics;
using System.Globalization;
using ContextHub.Knowledge;
using ContextHub.Knowledge.Indexes;
using Microsoft.Extensions.AI;

namespace ContextHub.KnowledgeBench;

/// <summary>Mean, p50, p99 and max of a set of latencies (nearest-rank percentiles).</summary>
internal sealed record LatencyStats(int Count, double Mean, double P50, double P99, double Max)
{
    public static LatencyStats From(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0)
        {
            return new LatencyStats(0, 0, 0, 0, 0);
        }

        var sorted = values.Order().ToArray();
        double At(double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
        return new LatencyStats(sorted.Length, sorted.Average(), At(0.50), At(0.99), sorted[^1]);
    }
}

/// <summary>An embedding generator that counts the time spent in the generator it wraps.</summary>
internal sealed class TimingEmbeddingGenerator(IEmbeddingGenerator<string, Embedding<float>> inner) : IEmbeddingGenerator<string, Embedding<float>>
{
    private long _ticks;
    private long _inputs;

    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _ticks));

    public long Inputs => Interlocked.Read(ref _inputs);

    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = values as IList<string> ?? values.ToList();
        var started = Stopwatch.GetTimestamp();
        try
        {
            return await inner.GenerateAsync(list, options, cancellationToken);
        }
        finally
        {
            Interlocked.Add(ref _ticks, Stopwatch.GetTimestamp() - started);
            Interlocked.Add(ref _inputs, list.Count);
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => inner.GetService(serviceType, serviceKey);

    public void Dispose()
    {
        // The wrapped generator belongs to the caller.
    }
}

/// <summary>
/// A store that counts the time spent in <see cref="IKnowledgeStore.UpsertDocumentAsync"/> of the store it wraps and,
/// when asked, keeps what was written so it can be written again elsewhere.
/// </summary>
internal sealed class TimingStore(IKnowledgeStore inner, bool capture) : IKnowledgeStore
{
    private long _ticks;

    public List<(Document Document, IReadOnlyList<Chunk> Chunks)> Captured { get; } = [];

    public TimeSpan UpsertTime => Stopwatch.GetElapsedTime(0, _ticks);

    public IVectorIndex Vectors => inner.Vectors;

    public IFullTextIndex FullText => inner.FullText;

    public IMetadataIndex Metadata => inner.Metadata;

    public EmbeddingModelInfo? EmbeddingModel => inner.EmbeddingModel;

    public Task BindEmbeddingModelAsync(EmbeddingModelInfo model, CancellationToken cancellationToken = default) =>
        inner.BindEmbeddingModelAsync(model, cancellationToken);

    public async Task UpsertDocumentAsync(Document document, IReadOnlyList<Chunk> chunks, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        await inner.UpsertDocumentAsync(document, chunks, cancellationToken);
        _ticks += Stopwatch.GetTimestamp() - started;
        if (capture)
        {
            Captured.Add((document, chunks));
        }
    }

    public Task<bool> DeleteDocumentAsync(string documentId, CancellationToken cancellationToken = default) =>
        inner.DeleteDocumentAsync(documentId, cancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask; // the wrapped store belongs to the caller
}

/// <summary>
/// The query "embedder" of the search measurements: it returns the vector prepared for each query text, so search
/// latency excludes the embedding model. An unknown text is a bug in the benchmark and throws.
/// </summary>
internal sealed class PrecomputedQueryEmbedder(string modelId, IReadOnlyDictionary<string, float[]> vectors) : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly EmbeddingGeneratorMetadata _metadata = new("ContextHub.KnowledgeBench", null, modelId, SyntheticCorpus.Dimensions);

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var result = new GeneratedEmbeddings<Embedding<float>>();
        foreach (var value in values)
        {
            result.Add(new Embedding<float>(vectors.TryGetValue(value, out var v) ? v : throw new KeyNotFoundException($"No vector prepared for query '{value}'.")) { ModelId = modelId });
        }

        return Task.FromResult(result);
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    public void Dispose()
    {
    }
}

/// <summary>
/// A progress line: rewritten in place on a terminal, every tenth of the way when the output is redirected (so a log
/// file gets a few lines, not thousands).
/// </summary>
internal sealed class ProgressLine(string label, int total, string unit)
{
    private readonly Stopwatch _watch = Stopwatch.StartNew();
    private readonly bool _inPlace = !Console.IsOutputRedirected;
    private int _lastDecile = -1;
    private long _lastDraw;

    public void Report(int done, string? extra = null)
    {
        var now = Stopwatch.GetTimestamp();
        var decile = total == 0 ? 10 : done * 10 / total;
        var seconds = _watch.Elapsed.TotalSeconds;
        var line = string.Create(CultureInfo.InvariantCulture,
            $"  {label}: {done:N0}/{total:N0} {unit}{(extra is null ? "" : ", " + extra)}, {seconds:F1} s, {(seconds > 0 ? done / seconds : 0):N1} {unit}/s");
        if (_inPlace)
        {
            if (done == total || Stopwatch.GetElapsedTime(_lastDraw, now).TotalMilliseconds >= 200)
            {
                Console.Write("\r" + line.PadRight(110));
                _lastDraw = now;
            }

            if (done == total)
            {
                Console.WriteLine();
            }
        }
        else if (decile != _lastDecile)
        {
            _lastDecile = decile;
            Console.WriteLine(line);
        }
    }
}

internal static class Format
{
    public static string N0(double value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string F1(double value) => value.ToString("F1", CultureInfo.InvariantCulture);

    public static string F2(double value) => value.ToString("F2", CultureInfo.InvariantCulture);

    public static string F3(double value) => value.ToString("F3", CultureInfo.InvariantCulture);

    public static string Percent(double share) => (share * 100).ToString("F0", CultureInfo.InvariantCulture) + " %";

    public static string Size(long bytes) => (bytes / (1024.0 * 1024.0)).ToString("F0", CultureInfo.InvariantCulture) + " MB";

    public static string Chunks(int chunks) => chunks % 1000 == 0 ? (chunks / 1000).ToString(CultureInfo.InvariantCulture) + "k" : N0(chunks);

    public static long FolderSize(string folder) =>
        Directory.Exists(folder) ? new DirectoryInfo(folder).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length) : 0;
}
