using ContextHub.Knowledge.Search;
using Microsoft.Extensions.AI;

namespace ContextHub.Knowledge.Embeddings;

/// <summary>
/// Deterministic feature-hashing embeddings: each word (lower-cased, with a crude English suffix strip) adds ±1 to one
/// of <see cref="Dimensions"/> buckets, then the vector is normalized. No model, no network: texts sharing words are
/// near each other. Meant for tests and for setups without an embedding model; it knows no synonyms.
/// </summary>
public sealed class HashingEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly EmbeddingGeneratorMetadata _metadata;

    public HashingEmbeddingGenerator(int dimensions = 256, string modelId = "contexthub-hashing-v1")
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimensions, 8);
        Dimensions = dimensions;
        ModelId = modelId;
        _metadata = new EmbeddingGeneratorMetadata("ContextHub", null, modelId, dimensions);
    }

    public int Dimensions { get; }

    public string ModelId { get; }

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var result = new GeneratedEmbeddings<Embedding<float>>();
        foreach (var value in values)
        {
            cancellationToken.ThrowIfCancellationRequested();
            result.Add(new Embedding<float>(Embed(value ?? "")) { ModelId = ModelId });
        }

        return Task.FromResult(result);
    }

    public float[] Embed(string text)
    {
        var vector = new float[Dimensions];
        foreach (var word in TextWords.Of(text))
        {
            var hash = Fnv1a(Stem(word));
            var bucket = (int)(hash % (uint)Dimensions);
            vector[bucket] += (hash & 0x8000_0000) == 0 ? 1f : -1f;
        }

        var norm = MathF.Sqrt(vector.Sum(x => x * x));
        if (norm > 0)
        {
            for (var i = 0; i < vector.Length; i++)
            {
                vector[i] /= norm;
            }
        }

        return vector;
    }

    private static string Stem(string word)
    {
        foreach (var suffix in (string[])["ing", "edly", "ed", "es", "s", "ly"])
        {
            if (word.Length > suffix.Length + 3 && word.EndsWith(suffix, StringComparison.Ordinal))
            {
                return word[..^suffix.Length];
            }
        }

        return word;
    }

    private static uint Fnv1a(string s)
    {
        var hash = 2166136261u;
        foreach (var c in s)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return hash;
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
