using ContextHub.Knowledge.Filters;

namespace ContextHub.Knowledge.Indexes;

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
