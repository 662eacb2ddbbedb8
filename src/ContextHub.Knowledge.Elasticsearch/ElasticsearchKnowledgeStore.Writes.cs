using ContextHub.Knowledge.Indexes;
using Elastic.Clients.Elasticsearch;
using Elastic.Clients.Elasticsearch.Core.Bulk;
using Elastic.Clients.Elasticsearch.QueryDsl;
using F = ContextHub.Knowledge.Elasticsearch.ElasticsearchSchema.Fields;

namespace ContextHub.Knowledge.Elasticsearch;

// IKnowledgeStore: the embedding-model binding and the generation-stamped writes of a document and its chunks.
public sealed partial class ElasticsearchKnowledgeStore : IKnowledgeStore
{
    public Task BindEmbeddingModelAsync(EmbeddingModelInfo model, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ThrowIfDisposed();
        return _binding.BindAsync(model, CreateChunksIndexAsync, cancellationToken);
    }

    /// <summary>Creates the chunks index for <paramref name="model"/>; returns the model the store is bound to (another process's, if it created the index first).</summary>
    private async Task<EmbeddingModelInfo> CreateChunksIndexAsync(EmbeddingModelInfo model, CancellationToken cancellationToken)
    {
        var response = await _client.Indices.CreateAsync(_schema.CreateChunksIndex(model), cancellationToken);
        if (!response.IsValidResponse)
        {
            if (!IsError(response, "resource_already_exists_exception"))
            {
                throw Failure(response, $"create the index {_schema.Chunks}");
            }

            // Another process bound the store first: take its model (the binding refuses ours when they differ).
            return await ReadBoundModelAsync(cancellationToken) ?? throw Failure(response, $"create the index {_schema.Chunks}");
        }

        Log.Bound(_logger, _schema.Chunks, model);
        return model;
    }

    public async Task UpsertDocumentAsync(Document document, IReadOnlyList<Chunk> chunks, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(chunks);
        ArgumentException.ThrowIfNullOrEmpty(document.Id);
        ThrowIfDisposed();
        _binding.CheckWrite(document, chunks);

        var generation = NextStamp();
        var gate = LockFor(document.Id);
        await gate.WaitAsync(cancellationToken);
        try
        {
            bool current;
            try
            {
                // 1. The new chunks, under the new generation, beside the old ones.
                for (var start = 0; start < chunks.Count; start += BulkBatchSize)
                {
                    var batch = chunks.Skip(start).Take(BulkBatchSize).ToList();
                    var last = start + BulkBatchSize >= chunks.Count;
                    var bulk = new BulkRequest(_schema.Chunks)
                    {
                        Refresh = last ? WriteRefresh : null,
                        Operations = [.. batch.Select(c => new BulkIndexOperation<ChunkRecord>(ChunkRecord.From(document, c, generation)) { Id = ChunkKey(c.Id, generation) })],
                    };
                    var response = await _client.BulkAsync(bulk, cancellationToken);
                    EnsureBulk(response, $"index the chunks of document {document.Id}");
                }

                // 2. The document record switches to the new generation, unless a newer write got there first.
                var record = DocumentRecord.From(document, chunks.Count, generation);
                var index = new IndexRequest<DocumentRecord>(record, _schema.Documents, DocumentKey(document.Id))
                {
                    VersionType = VersionType.External,
                    Version = generation,
                    Refresh = WriteRefresh,
                };
                var indexed = await _client.IndexAsync(index, cancellationToken);
                current = indexed.IsValidResponse;
                if (!current && !IsError(indexed, "version_conflict_engine_exception"))
                {
                    throw Failure(indexed, $"write document {document.Id}");
                }
            }
            catch (Exception writeError) when (writeError is not ArgumentException)
            {
                await RollBackAsync(document.Id, generation);
                throw;
            }

            if (!current)
            {
                // Superseded by a newer write of the same document (another process): ours must not show.
                Log.Superseded(_logger, document.Id, generation);
                await DeleteChunksAsync(document.Id, generation, exactGeneration: true, CancellationToken.None);
                return;
            }

            // 3. The chunks of earlier versions go.
            try
            {
                await DeleteChunksAsync(document.Id, generation, exactGeneration: false, cancellationToken);
            }
            catch (Exception cleanupError)
            {
                // The new version is written and current; the old chunks are removed by the next write or delete of
                // this document. Reading the document's chunks already ignores them.
                Log.StaleChunksLeft(_logger, document.Id, cleanupError);
            }
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>After a failed write: removes the chunks it added, unless its document record did land.</summary>
    private async Task RollBackAsync(string documentId, long generation)
    {
        try
        {
            var record = await GetRecordAsync(documentId, CancellationToken.None);
            if (record?.Generation != generation)
            {
                await DeleteChunksAsync(documentId, generation, exactGeneration: true, CancellationToken.None);
            }
        }
        catch (Exception rollbackError)
        {
            Log.RollbackFailed(_logger, documentId, rollbackError);
        }
    }

    public async Task<bool> DeleteDocumentAsync(string documentId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(documentId);
        ThrowIfDisposed();
        var gate = LockFor(documentId);
        await gate.WaitAsync(cancellationToken);
        try
        {
            var response = await _client.DeleteAsync(new DeleteRequest(_schema.Documents, DocumentKey(documentId)) { Refresh = WriteRefresh }, cancellationToken);
            var found = response.IsValidResponse && response.Result == Result.Deleted;
            if (!response.IsValidResponse && response.ApiCallDetails.HttpStatusCode != 404)
            {
                throw Failure(response, $"delete document {documentId}");
            }

            await DeleteChunksAsync(documentId, null, exactGeneration: false, cancellationToken);
            return found;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// Deletes a document's chunks: all of them (no generation), those of older generations, or those of exactly one.
    /// </summary>
    private async Task DeleteChunksAsync(string documentId, long? generation, bool exactGeneration, CancellationToken cancellationToken)
    {
        var filters = new List<Query> { new TermQuery { Field = F.DocumentId, Value = documentId } };
        if (generation is { } g)
        {
            filters.Add(exactGeneration
                ? new TermQuery { Field = F.Generation, Value = g }
                : new NumberRangeQuery(F.Generation) { Lt = g });
        }

        var request = new DeleteByQueryRequest(_schema.Chunks)
        {
            Query = new BoolQuery { Filter = filters },
            Conflicts = Conflicts.Proceed,
            IgnoreUnavailable = true,
            // delete_by_query knows no wait_for: true refreshes the shards it deleted from.
            Refresh = true,
        };
        var response = await _client.DeleteByQueryAsync(request, cancellationToken);
        Ensure(response, $"delete the chunks of document {documentId}");
        if (response.Failures is { Count: > 0 } failures)
        {
            throw new InvalidOperationException($"Elasticsearch could not delete all chunks of document {documentId}: {failures.First().Cause?.Reason}");
        }
    }
}
