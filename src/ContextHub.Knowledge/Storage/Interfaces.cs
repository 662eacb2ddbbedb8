using ContextHub.Knowledge.Filters;

namespace ContextHub.Knowledge.Storage;

/// <summary>A chunk found by a k-nearest-neighbour search; <see cref="Score"/> is the cosine similarity.</summary>
public sealed record VectorHit(string ChunkId, string DocumentId, double Score);

/// <summary>A chunk found by a full-text search; <see cref="Score"/> is BM25 (higher is better).</summary>
/// <param name="Snippet">A short excerpt with matched terms between <see cref="FullTextMarkers.Open"/> and <see cref="FullTextMarkers.Close"/>; a backend may leave it empty past its best hits (callers cut one from the chunk text).</param>
public sealed record FullTextHit(string ChunkId, string DocumentId, double Score, string Snippet);

/// <summary>How full-text snippets mark the matched terms.</summary>
public static class FullTextMarkers
{
    public const string Open = "**";
    public const string Close = "**";
    public const char Ellipsis = '…';
}

/// <summary>k-nearest-neighbour search over chunk embeddings.</summary>
public interface IVectorIndex
{
    /// <summary>The <paramref name="k"/> chunks nearest to <paramref name="query"/> among documents matching <paramref name="filter"/>, best first.</summary>
    Task<IReadOnlyList<VectorHit>> SearchAsync(ReadOnlyMemory<float> query, int k, MetadataFilter? filter = null, CancellationToken cancellationToken = default);
}

/// <summary>BM25 search over chunk text, with snippets.</summary>
public interface IFullTextIndex
{
    /// <summary>
    /// The <paramref name="k"/> best chunks for <paramref name="query"/> (plain words: any may match, more matches rank
    /// higher; no query syntax) among documents matching <paramref name="filter"/>, best first.
    /// </summary>
    Task<IReadOnlyList<FullTextHit>> SearchAsync(string query, int k, MetadataFilter? filter = null, CancellationToken cancellationToken = default);
}

/// <summary>
/// Documents, chunks, sources and tool-call records, and the relationships between them: a source has documents, a
/// document has chunks, a caller has tool calls and each call has its result.
/// </summary>
public interface IMetadataIndex
{
    Task<Document?> GetDocumentAsync(string documentId, CancellationToken cancellationToken = default);

    /// <summary>The documents whose raw content has this SHA-256 (usually none or one).</summary>
    Task<IReadOnlyList<Document>> FindByContentHashAsync(string contentHash, CancellationToken cancellationToken = default);

    /// <summary>Documents matching <paramref name="filter"/> (all when null), ordered by id, paged.</summary>
    Task<IReadOnlyList<Document>> FindDocumentsAsync(MetadataFilter? filter = null, int limit = 100, int offset = 0, CancellationToken cancellationToken = default);

    Task<long> CountDocumentsAsync(MetadataFilter? filter = null, CancellationToken cancellationToken = default);

    /// <summary>A document's chunks in order, each with <see cref="Chunk.Document"/> filled in.</summary>
    Task<IReadOnlyList<Chunk>> GetChunksAsync(string documentId, CancellationToken cancellationToken = default);

    /// <summary>The chunks with these ids (missing ids are skipped), each with <see cref="Chunk.Document"/> filled in.</summary>
    Task<IReadOnlyList<Chunk>> GetChunksByIdAsync(IReadOnlyCollection<string> chunkIds, CancellationToken cancellationToken = default);

    /// <summary>Every source with its document count, by source.</summary>
    Task<IReadOnlyList<SourceSummary>> ListSourcesAsync(CancellationToken cancellationToken = default);

    Task RecordToolCallAsync(ToolCallRecord record, CancellationToken cancellationToken = default);

    /// <summary>Records several tool calls; backends that can write them in one step do (the server batches under load).</summary>
    async Task RecordToolCallsAsync(IReadOnlyList<ToolCallRecord> records, CancellationToken cancellationToken = default)
    {
        foreach (var record in records)
        {
            await RecordToolCallAsync(record, cancellationToken);
        }
    }

    /// <summary>
    /// Deletes up to <paramref name="limit"/> of the oldest tool-call records that are older than
    /// <paramref name="olderThan"/> or beyond the newest <paramref name="keepNewest"/> (0: no count limit); returns how
    /// many it deleted. Called repeatedly in small steps so writes are never held up for long. A backend that keeps
    /// records in blocks (the embedded store) deletes whole blocks: at least <paramref name="limit"/> records when that
    /// many can go (so possibly more), and a block only when all of it is past a limit. Backends that cannot delete
    /// this way keep every record (and return 0).
    /// </summary>
    Task<int> DeleteOldToolCallsAsync(DateTimeOffset? olderThan, long keepNewest, int limit, CancellationToken cancellationToken = default) =>
        Task.FromResult(0);

    /// <summary>Tool calls matching the query, newest first.</summary>
    Task<IReadOnlyList<ToolCallRecord>> GetToolCallsAsync(ToolCallQuery query, CancellationToken cancellationToken = default);

    Task<KnowledgeStoreStats> GetStatsAsync(CancellationToken cancellationToken = default);
}

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
