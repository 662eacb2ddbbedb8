using ContextHub.Knowledge.Filters;
using ContextHub.Knowledge.Indexes;
using Elastic.Clients.Elasticsearch;
using Elastic.Clients.Elasticsearch.Aggregations;
using Elastic.Clients.Elasticsearch.QueryDsl;
using F = ContextHub.Knowledge.Elasticsearch.ElasticsearchSchema.Fields;

namespace ContextHub.Knowledge.Elasticsearch;

// IMetadataIndex: documents, chunks and sources (tool-call records are in ElasticsearchKnowledgeStore.cs).
public sealed partial class ElasticsearchKnowledgeStore : IMetadataIndex
{
    public async Task<Document?> GetDocumentAsync(string documentId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(documentId);
        ThrowIfDisposed();
        return (await GetRecordAsync(documentId, cancellationToken))?.ToDocument();
    }

    private async Task<DocumentRecord?> GetRecordAsync(string documentId, CancellationToken cancellationToken)
    {
        var response = await _client.GetAsync<DocumentRecord>(new GetRequest(_schema.Documents, DocumentKey(documentId)), cancellationToken);
        if (!response.IsValidResponse)
        {
            if (response.ApiCallDetails.HttpStatusCode == 404)
            {
                return null;
            }

            throw Failure(response, $"read document {documentId}");
        }

        return response.Found ? response.Source : null;
    }

    public async Task<IReadOnlyList<Document>> FindByContentHashAsync(string contentHash, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(contentHash);
        ThrowIfDisposed();
        var records = await SearchAllAsync<DocumentRecord>(
            _schema.Documents, new BoolQuery { Filter = [new TermQuery { Field = F.ContentHash, Value = contentHash }] },
            [SortOn(F.DocumentId)], 0, int.MaxValue, null, cancellationToken);
        return [.. records.Select(r => r.ToDocument())];
    }

    public async Task<IReadOnlyList<Document>> FindDocumentsAsync(MetadataFilter? filter = null, int limit = 100, int offset = 0, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ThrowIfDisposed();
        var query = ElasticsearchFilterTranslator.Translate(filter);
        if (limit == 0)
        {
            return [];
        }

        var records = await SearchAllAsync<DocumentRecord>(
            _schema.Documents, query is null ? null : (Query)new BoolQuery { Filter = [query] }, [SortOn(F.DocumentId)], offset, limit, null, cancellationToken);
        return [.. records.Select(r => r.ToDocument())];
    }

    public async Task<long> CountDocumentsAsync(MetadataFilter? filter = null, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        var query = ElasticsearchFilterTranslator.Translate(filter);
        return await CountAsync(_schema.Documents, query is null ? null : (Query)new BoolQuery { Filter = [query] }, cancellationToken);
    }

    private async Task<long> CountAsync(string index, Query? query, CancellationToken cancellationToken)
    {
        var response = await _client.CountAsync(new CountRequest(index) { Query = query, IgnoreUnavailable = true }, cancellationToken);
        Ensure(response, $"count in {index}");
        return response.Count;
    }

    public async Task<IReadOnlyList<Chunk>> GetChunksAsync(string documentId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(documentId);
        ThrowIfDisposed();
        if (_binding.Model is null || await GetRecordAsync(documentId, cancellationToken) is not { } record)
        {
            return [];
        }

        var document = record.ToDocument();
        var chunks = await SearchAllAsync<ChunkRecord>(
            _schema.Chunks,
            new BoolQuery
            {
                Filter = [new TermQuery { Field = F.DocumentId, Value = documentId }, new TermQuery { Field = F.Generation, Value = record.Generation }],
            },
            [SortOn(F.Ordinal)], 0, int.MaxValue, WithVectors, cancellationToken);
        return [.. chunks.Select(c => ToChunk(c, document))];
    }

    public async Task<IReadOnlyList<Chunk>> GetChunksByIdAsync(IReadOnlyCollection<string> chunkIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chunkIds);
        ThrowIfDisposed();
        var ids = chunkIds.Distinct(StringComparer.Ordinal).ToList();
        if (ids.Count == 0 || _binding.Model is null)
        {
            return [];
        }

        var found = new List<ChunkRecord>();
        foreach (var batch in ids.Chunk(PageSize))
        {
            found.AddRange(await SearchAllAsync<ChunkRecord>(
                _schema.Chunks,
                new BoolQuery { Filter = [new TermsQuery { Field = F.ChunkId, Terms = new TermsQueryField([.. batch.Select(id => (FieldValue)id)]) }] },
                [SortOn(F.ChunkId), SortOn(F.Generation)], 0, int.MaxValue, WithVectors, cancellationToken));
        }

        // Only chunks of the generation their document record names: none of a version being replaced or removed.
        var documents = await GetRecordsAsync(found.Select(c => c.DocumentId).Distinct(StringComparer.Ordinal).ToList(), cancellationToken);
        var byId = new Dictionary<string, Chunk>(StringComparer.Ordinal);
        foreach (var chunk in found)
        {
            if (documents.TryGetValue(chunk.DocumentId, out var owner) && owner.Record.Generation == chunk.Generation)
            {
                byId[chunk.ChunkId] = ToChunk(chunk, owner.Document);
            }
        }

        return [.. ids.Where(byId.ContainsKey).Select(id => byId[id])];
    }

    private async Task<Dictionary<string, (DocumentRecord Record, Document Document)>> GetRecordsAsync(IReadOnlyList<string> documentIds, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, (DocumentRecord, Document)>(StringComparer.Ordinal);
        foreach (var batch in documentIds.Chunk(PageSize))
        {
            var response = await _client.MultiGetAsync<DocumentRecord>(new MultiGetRequest(_schema.Documents) { Ids = new Ids(batch.Select(DocumentKey).Select(k => new Id(k))) }, cancellationToken);
            Ensure(response, "read documents");
            foreach (var item in response.Docs)
            {
                item.Match(
                    hit =>
                    {
                        if (hit is { Found: true, Source: { } record })
                        {
                            result[record.DocumentId] = (record, record.ToDocument());
                        }
                    },
                    _ => { });
            }
        }

        return result;
    }

    private Chunk ToChunk(ChunkRecord record, Document document) => new()
    {
        Id = record.ChunkId,
        DocumentId = record.DocumentId,
        Ordinal = record.Ordinal,
        Heading = record.Heading,
        Text = record.Text,
        Embedding = record.Embedding ?? new float[_binding.Model?.Dimensions ?? 0],
        Document = document,
    };

    public async Task<IReadOnlyList<SourceSummary>> ListSourcesAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        var sources = new List<SourceSummary>();
        IReadOnlyDictionary<string, FieldValue>? after = null;
        do
        {
            var response = await _client.SearchAsync<DocumentRecord>(SourcesRequest(after), cancellationToken);
            Ensure(response, "list sources");
            var composite = response.Aggregations?.GetComposite("sources");
            if (composite is null)
            {
                break;
            }

            foreach (var bucket in composite.Buckets)
            {
                var source = bucket.Key.TryGetValue("source", out var key) && key.TryGetString(out var s) ? s : "";
                var last = bucket.Aggregations?.GetMax("last_updated")?.Value;
                sources.Add(new SourceSummary(source, (int)bucket.DocCount, last is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds((long)ms) : default));
            }

            after = composite.Buckets.Count == PageSize ? composite.AfterKey : null;
        }
        while (after is not null);
        return sources;
    }

    internal SearchRequest SourcesRequest(IReadOnlyDictionary<string, FieldValue>? after) => new(_schema.Documents)
    {
        Size = 0,
        Aggregations = new Dictionary<string, Aggregation>
        {
            ["sources"] = new Aggregation
            {
                Composite = new CompositeAggregation
                {
                    Size = PageSize,
                    Sources = [new KeyValuePair<string, CompositeAggregationSource>("source", new CompositeAggregationSource { Terms = new CompositeTermsAggregation { Field = F.Source } })],
                    After = after is null ? null : new Dictionary<Field, FieldValue>(after.Select(kv => new KeyValuePair<Field, FieldValue>(kv.Key, kv.Value))),
                },
                Aggregations = new Dictionary<string, Aggregation> { ["last_updated"] = new Aggregation { Max = new MaxAggregation { Field = F.UpdatedAt } } },
            },
        },
    };
}
