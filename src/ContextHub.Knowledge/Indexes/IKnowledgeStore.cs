namespace ContextHub.Knowledge.Indexes;

/// <summary>
/// One backend's three indices, written together: a document and its chunks go into all three in one atomic step,
/// or into none.
/// </summary>
public interface IKnowledgeStore : IAsyncDisposable
{
    IVectorIndex Vectors { get; }

    IFullTextIndex FullText { get; }

    IMetadataIndex Metadata { get; }

    /// <summary>The embedding model the store's vectors come from, or null while none was bound.</summary>
    EmbeddingModelInfo? EmbeddingModel { get; }

    /// <summary>
    /// Records <paramref name="model"/> as the store's embedding model, or checks it is the one recorded.
    /// Throws <see cref="EmbeddingModelMismatchException"/> (naming both models and dimensions) when it is not.
    /// </summary>
    Task BindEmbeddingModelAsync(EmbeddingModelInfo model, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes the document and replaces all its chunks in every index, atomically and durably: when this returns the
    /// write survives a crash; when it throws nothing of it is visible. Chunk embeddings must have the bound dimension.
    /// </summary>
    Task UpsertDocumentAsync(Document document, IReadOnlyList<Chunk> chunks, CancellationToken cancellationToken = default);

    /// <summary>Removes the document and its chunks from every index; false when there was no such document.</summary>
    Task<bool> DeleteDocumentAsync(string documentId, CancellationToken cancellationToken = default);
}
