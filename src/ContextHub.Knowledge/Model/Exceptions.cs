namespace ContextHub.Knowledge;

/// <summary>
/// Thrown when embeddings of one model or dimension would be mixed into an index built with another.
/// </summary>
public sealed class EmbeddingModelMismatchException : InvalidOperationException
{
    public EmbeddingModelMismatchException(EmbeddingModelInfo existing, EmbeddingModelInfo requested, string? location = null)
        : base(
            $"The knowledge store{(location is null ? "" : $" at {location}")} was built with embedding model {existing}; " +
            $"refusing to mix in embeddings from model {requested}. Configure the original model again, or re-index " +
            "into a new (empty) store.")
    {
        Existing = existing;
        Requested = requested;
    }

    public EmbeddingModelMismatchException()
    {
        Existing = Requested = new EmbeddingModelInfo("", 0);
    }

    public EmbeddingModelMismatchException(string message) : base(message)
    {
        Existing = Requested = new EmbeddingModelInfo("", 0);
    }

    public EmbeddingModelMismatchException(string message, Exception innerException) : base(message, innerException)
    {
        Existing = Requested = new EmbeddingModelInfo("", 0);
    }

    public EmbeddingModelInfo Existing { get; }

    public EmbeddingModelInfo Requested { get; }
}
