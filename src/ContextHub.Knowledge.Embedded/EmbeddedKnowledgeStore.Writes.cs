using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using ContextHub.Knowledge.Embedded.FullText;
using ContextHub.Knowledge.Indexes;
using Microsoft.Data.Sqlite;

namespace ContextHub.Knowledge.Embedded;

// IKnowledgeStore: the embedding-model binding and the atomic writes of a document and its chunks.
public sealed partial class EmbeddedKnowledgeStore : IKnowledgeStore
{
    public Task BindEmbeddingModelAsync(EmbeddingModelInfo model, CancellationToken cancellationToken = default) =>
        _binding.BindAsync(model, RecordModelAsync, cancellationToken);

    private async Task<EmbeddingModelInfo> RecordModelAsync(EmbeddingModelInfo model, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            ThrowIfDisposed();
            await using var tx = _writer.BeginTransaction(deferred: false);
            await using (var command = _writer.CreateCommand())
            {
                command.Transaction = tx;
                command.CommandText = """
                    INSERT INTO store_info (key, value) VALUES ('embedding_model', $model), ('embedding_dimensions', $dims)
                    ON CONFLICT (key) DO UPDATE SET value = excluded.value;
                    """;
                command.Parameters.AddWithValue("$model", model.ModelId);
                command.Parameters.AddWithValue("$dims", model.Dimensions.ToString(CultureInfo.InvariantCulture));
                await command.ExecuteNonQueryAsync(cancellationToken);
            }

            await tx.CommitAsync(cancellationToken);
            return model;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async Task UpsertDocumentAsync(Document document, IReadOnlyList<Chunk> chunks, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(chunks);
        _binding.CheckWrite(document, chunks);

        // Analysed before the write lock: the text's terms do not depend on the row ids given below.
        var title = _fullText.Analyze(document.Title);
        var analysed = chunks.Select(c => _fullText.Prepare(0, 0, c.Id, document.Id, c.Text, c.Heading, title)).ToList();

        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            ThrowIfDisposed();
            List<long> removed;
            var added = new List<VectorSet.Entry>(chunks.Count);
            var addedText = new List<Bm25Index.Prepared>(chunks.Count);
            long logged;
            await using (var tx = _writer.BeginTransaction(deferred: false))
            {
                await CatchUpAsync(tx, cancellationToken);
                var documentRowId = await FindDocumentRowIdAsync(tx, document.Id, cancellationToken);
                removed = documentRowId is { } existing ? await RemoveChunksAsync(tx, existing, cancellationToken) : [];
                documentRowId = await WriteDocumentAsync(tx, documentRowId, document, chunks.Count, cancellationToken);

                await using var insertChunk = _writer.CreateCommand();
                insertChunk.Transaction = tx;
                insertChunk.CommandText = """
                    INSERT INTO chunks (id, document_rowid, ordinal, heading, text, embedding)
                    VALUES ($id, $doc, $ordinal, $heading, $text, $embedding) RETURNING rowid;
                    """;
                var pId = insertChunk.Parameters.Add("$id", SqliteType.Text);
                insertChunk.Parameters.AddWithValue("$doc", documentRowId.Value);
                var pOrdinal = insertChunk.Parameters.Add("$ordinal", SqliteType.Integer);
                var pHeading = insertChunk.Parameters.Add("$heading", SqliteType.Text);
                var pText = insertChunk.Parameters.Add("$text", SqliteType.Text);
                var pEmbedding = insertChunk.Parameters.Add("$embedding", SqliteType.Blob);

                await using var insertFts = _writer.CreateCommand();
                insertFts.Transaction = tx;
                insertFts.CommandText = "INSERT INTO chunks_fts (rowid, text, heading, title) VALUES ($rowid, $text, $heading, $title);";
                var fRowId = insertFts.Parameters.Add("$rowid", SqliteType.Integer);
                var fText = insertFts.Parameters.Add("$text", SqliteType.Text);
                var fHeading = insertFts.Parameters.Add("$heading", SqliteType.Text);
                insertFts.Parameters.AddWithValue("$title", document.Title);

                for (var i = 0; i < chunks.Count; i++)
                {
                    var chunk = chunks[i];
                    var vector = VectorMath.Normalized(chunk.Embedding);
                    pId.Value = chunk.Id;
                    pOrdinal.Value = chunk.Ordinal;
                    pHeading.Value = (object?)chunk.Heading ?? DBNull.Value;
                    pText.Value = chunk.Text;
                    pEmbedding.Value = MemoryMarshal.AsBytes(vector.Span).ToArray();
                    var rowId = (long)(await insertChunk.ExecuteScalarAsync(cancellationToken))!;

                    fRowId.Value = rowId;
                    fText.Value = chunk.Text;
                    fHeading.Value = (object?)chunk.Heading ?? DBNull.Value;
                    await insertFts.ExecuteNonQueryAsync(cancellationToken);
                    added.Add(new VectorSet.Entry(rowId, documentRowId.Value, chunk.Id, document.Id, vector));
                    addedText.Add(analysed[i] with { ChunkRowId = rowId, DocumentRowId = documentRowId.Value });
                }

                logged = await LogChangesAsync(tx, removed.Concat(added.Select(a => a.ChunkRowId)), cancellationToken);
                await tx.CommitAsync(CancellationToken.None);
            }

            // Committed: now the in-memory indices follow, still under the write lock so they change in commit order.
            _vectors.Apply(removed, added);
            _fullText.Apply(removed, addedText);
            _allowedDocuments.Invalidate();
            _appliedSeq = logged;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async Task<bool> DeleteDocumentAsync(string documentId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(documentId);
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            ThrowIfDisposed();
            List<long> removed;
            long logged;
            await using (var tx = _writer.BeginTransaction(deferred: false))
            {
                await CatchUpAsync(tx, cancellationToken);
                if (await FindDocumentRowIdAsync(tx, documentId, cancellationToken) is not { } rowId)
                {
                    await tx.CommitAsync(CancellationToken.None); // keeps what the catch-up applied consistent with the log position
                    return false;
                }

                removed = await RemoveChunksAsync(tx, rowId, cancellationToken);
                await using var command = _writer.CreateCommand();
                command.Transaction = tx;
                command.CommandText = "DELETE FROM documents WHERE rowid = $rowid;";
                command.Parameters.AddWithValue("$rowid", rowId);
                await command.ExecuteNonQueryAsync(cancellationToken);
                logged = await LogChangesAsync(tx, removed, cancellationToken);
                await tx.CommitAsync(CancellationToken.None);
            }

            _vectors.Apply(removed, []);
            _fullText.Apply(removed, []);
            _allowedDocuments.Invalidate();
            _appliedSeq = logged;
            return true;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task<long?> FindDocumentRowIdAsync(SqliteTransaction tx, string documentId, CancellationToken cancellationToken)
    {
        await using var command = _writer.CreateCommand();
        command.Transaction = tx;
        command.CommandText = "SELECT rowid FROM documents WHERE id = $id;";
        command.Parameters.AddWithValue("$id", documentId);
        return await command.ExecuteScalarAsync(cancellationToken) is long rowId ? rowId : null;
    }

    private async Task<List<long>> RemoveChunksAsync(SqliteTransaction tx, long documentRowId, CancellationToken cancellationToken)
    {
        var removed = new List<long>();
        await using (var select = _writer.CreateCommand())
        {
            select.Transaction = tx;
            select.CommandText = "SELECT rowid FROM chunks WHERE document_rowid = $doc;";
            select.Parameters.AddWithValue("$doc", documentRowId);
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                removed.Add(reader.GetInt64(0));
            }
        }

        await using var delete = _writer.CreateCommand();
        delete.Transaction = tx;
        delete.CommandText = """
            DELETE FROM chunks_fts WHERE rowid IN (SELECT rowid FROM chunks WHERE document_rowid = $doc);
            DELETE FROM chunks WHERE document_rowid = $doc;
            """;
        delete.Parameters.AddWithValue("$doc", documentRowId);
        await delete.ExecuteNonQueryAsync(cancellationToken);
        return removed;
    }

    private async Task<long> WriteDocumentAsync(SqliteTransaction tx, long? rowId, Document document, int chunkCount, CancellationToken cancellationToken)
    {
        await using var command = _writer.CreateCommand();
        command.Transaction = tx;
        command.CommandText = rowId is null
            ? """
              INSERT INTO documents (id, source, title, mime_type, tags, metadata, created_at, updated_at, content_hash, chunk_count)
              VALUES ($id, $source, $title, $mime, $tags, $metadata, $created, $updated, $hash, $count) RETURNING rowid;
              """
            : """
              UPDATE documents SET source = $source, title = $title, mime_type = $mime, tags = $tags, metadata = $metadata,
                  created_at = $created, updated_at = $updated, content_hash = $hash, chunk_count = $count
              WHERE rowid = $rowid RETURNING rowid;
              """;
        command.Parameters.AddWithValue("$id", document.Id);
        command.Parameters.AddWithValue("$source", document.Source);
        command.Parameters.AddWithValue("$title", document.Title);
        command.Parameters.AddWithValue("$mime", document.MimeType);
        command.Parameters.AddWithValue("$tags", JsonSerializer.Serialize(document.Tags.ToList(), EmbeddedJsonContext.Default.ListString));
        command.Parameters.AddWithValue("$metadata", JsonSerializer.Serialize(new Dictionary<string, string>(document.Metadata), EmbeddedJsonContext.Default.DictionaryStringString));
        command.Parameters.AddWithValue("$created", document.CreatedAt.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$updated", document.UpdatedAt.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$hash", document.ContentHash);
        command.Parameters.AddWithValue("$count", chunkCount);
        if (rowId is { } r)
        {
            command.Parameters.AddWithValue("$rowid", r);
        }

        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
