namespace ContextHub.Server.KnowledgeBase;

/// <summary>Which embedding model turns text into vectors (<c>ContextHub:Knowledge:Embeddings:Provider</c>).</summary>
public enum EmbeddingProvider
{
    /// <summary>Local all-MiniLM-L6-v2, offline (settings under <c>Embeddings:MiniLM</c>).</summary>
    MiniLM,

    /// <summary>Any OpenAI-compatible endpoint (<c>Embeddings:Endpoint</c>, <c>Model</c>, <c>ApiKey</c>).</summary>
    OpenAI,

    /// <summary>No model: feature hashing of words (<c>Embeddings:Dimensions</c>).</summary>
    Hashing,
}
