namespace ContextHub.Server.KnowledgeBase;

/// <summary>
/// Which embedding model turns text into vectors. The chosen model's own settings are bound by its registration
/// (<c>AddMiniLMEmbeddings</c>, <c>AddOpenAIEmbeddings</c>, <c>AddHashingEmbeddings</c>) from the same section.
/// </summary>
public sealed class KnowledgeEmbeddingOptions
{
    /// <summary><see cref="EmbeddingProvider.MiniLM"/> (the default), <see cref="EmbeddingProvider.OpenAI"/> or <see cref="EmbeddingProvider.Hashing"/>.</summary>
    public EmbeddingProvider Provider { get; set; } = EmbeddingProvider.MiniLM;
}
