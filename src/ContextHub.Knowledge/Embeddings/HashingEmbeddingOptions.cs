namespace ContextHub.Knowledge.Embeddings;

/// <summary>Settings of the <see cref="HashingEmbeddingGenerator"/>; bound from <see cref="Section"/>.</summary>
public sealed class HashingEmbeddingOptions
{
    /// <summary>The configuration section these settings are bound from.</summary>
    public const string Section = "ContextHub:Knowledge:Embeddings";

    /// <summary>The vector size.</summary>
    public int Dimensions { get; set; } = 256;
}
