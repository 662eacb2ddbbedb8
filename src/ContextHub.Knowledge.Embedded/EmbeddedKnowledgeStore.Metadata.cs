using System.Text.Json;
using ContextHub.Knowledge.Filters;
using ContextHub.Knowledge.Indexes;
using Microsoft.Data.Sqlite;

namespace ContextHub.Knowledge.Embedded;

// IMetadataIndex: documents, chunks and sources (tool-call records are in EmbeddedKnowledgeStore.cs), and the document sets metadata filters allow.
public sealed partial class EmbeddedKnowledgeStore : IMetadataIndex
{
    private async Task<HashSet<long>?> AllowedDocumentsAsync(MetadataFilter? filter, CancellationToken cancellationToken)
    {
        if (filter is null)
        {
            return null;
        }

        if (_allowedDocuments.TryGet(filter, out var cached))
        {
            return cached;
        }

        var version = _allowedDocuments.Version;
        var allowed = new HashSet<long>();
        await using (var connection = await OpenReadAsync(cancellationToken))
        await using (var command = connection.CreateCommand())
        {
            var where = SqlFilterTranslator.Translate(filter, command);
            command.CommandText = $"SELECT d.rowid FROM documents d WHERE {where};";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                allowed.Add(reader.GetInt64(0));
            }
        }

        _allowedDocuments.Add(filter, version, allowed);
        return allowed;
    }


    private const string DocumentColumns = "d.id, d.source, d.title, d.mime_type, d.tags, d.metadata, d.created_at, d.updated_at, d.content_hash, d.chunk_count";

    public async Task<Document?> GetDocumentAsync(string documentId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(documentId);
        var documents = await QueryDocumentsAsync("d.id = $id", c => c.Parameters.AddWithValue("$id", documentId), "", cancellationToken);
        return documents.Count == 0 ? null : documents[0];
    }

    public Task<IReadOnlyList<Document>> FindByContentHashAsync(string contentHash, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(contentHash);
        return QueryDocumentsAsync("d.content_hash = $hash", c => c.Parameters.AddWithValue("$hash", contentHash), "ORDER BY d.id", cancellationToken);
    }

    public async Task<IReadOnlyList<Document>> FindDocumentsAsync(MetadataFilter? filter = null, int limit = 100, int offset = 0, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        string where = "";
        return await QueryDocumentsAsync(
            null,
            c =>
            {
                where = SqlFilterTranslator.Translate(filter, c);
                c.Parameters.AddWithValue("$limit", limit);
                c.Parameters.AddWithValue("$offset", offset);
            },
            "ORDER BY d.id LIMIT $limit OFFSET $offset",
            cancellationToken,
            () => where);
    }

    public async Task<long> CountDocumentsAsync(MetadataFilter? filter = null, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        await using var connection = await OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        var where = SqlFilterTranslator.Translate(filter, command);
        command.CommandText = $"SELECT COUNT(*) FROM documents d WHERE {where};";
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private async Task<IReadOnlyList<Document>> QueryDocumentsAsync(string? where, Action<SqliteCommand> bind, string tail, CancellationToken cancellationToken, Func<string>? lateWhere = null)
    {
        ThrowIfDisposed();
        await using var connection = await OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        bind(command);
        command.CommandText = $"SELECT {DocumentColumns} FROM documents d WHERE {where ?? lateWhere!()} {tail};";
        var documents = new List<Document>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            documents.Add(ReadDocument(reader, 0));
        }

        return documents;
    }

    public Task<IReadOnlyList<Chunk>> GetChunksAsync(string documentId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(documentId);
        return QueryChunksAsync("d.id = $id ORDER BY c.ordinal", c => c.Parameters.AddWithValue("$id", documentId), cancellationToken);
    }

    public Task<IReadOnlyList<Chunk>> GetChunksByIdAsync(IReadOnlyCollection<string> chunkIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chunkIds);
        if (chunkIds.Count == 0)
        {
            return Task.FromResult<IReadOnlyList<Chunk>>([]);
        }

        var json = JsonSerializer.Serialize(chunkIds.ToArray(), EmbeddedJsonContext.Default.StringArray);
        return QueryChunksAsync("c.id IN (SELECT value FROM json_each($ids))", c => c.Parameters.AddWithValue("$ids", json), cancellationToken);
    }

    private async Task<IReadOnlyList<Chunk>> QueryChunksAsync(string where, Action<SqliteCommand> bind, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        await using var connection = await OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        bind(command);
        command.CommandText = $"""
            SELECT c.id, c.ordinal, c.heading, c.text, c.embedding, {DocumentColumns}
            FROM chunks c JOIN documents d ON d.rowid = c.document_rowid
            WHERE {where};
            """;
        var chunks = new List<Chunk>();
        var documents = new Dictionary<string, Document>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var documentId = reader.GetString(5);
            if (!documents.TryGetValue(documentId, out var document))
            {
                document = ReadDocument(reader, 5);
                documents[documentId] = document;
            }

            chunks.Add(new Chunk
            {
                Id = reader.GetString(0),
                DocumentId = documentId,
                Ordinal = reader.GetInt32(1),
                Heading = reader.IsDBNull(2) ? null : reader.GetString(2),
                Text = reader.GetString(3),
                Embedding = ReadVector(reader, 4),
                Document = document,
            });
        }

        return chunks;
    }

    public async Task<IReadOnlyList<SourceSummary>> ListSourcesAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        await using var connection = await OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT source, COUNT(*), MAX(updated_at) FROM documents GROUP BY source ORDER BY source;";
        var sources = new List<SourceSummary>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            sources.Add(new SourceSummary(reader.GetString(0), reader.GetInt32(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2))));
        }

        return sources;
    }
}
