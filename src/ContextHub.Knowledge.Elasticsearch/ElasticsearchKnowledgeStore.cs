using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using ContextHub.Knowledge.Filters;
using ContextHub.Knowledge.Indexes;
using Elastic.Clients.Elasticsearch;
using Elastic.Clients.Elasticsearch.Aggregations;
using Elastic.Clients.Elasticsearch.Core.Bulk;
using Elastic.Clients.Elasticsearch.Core.Search;
using Elastic.Clients.Elasticsearch.IndexManagement;
using Elastic.Clients.Elasticsearch.QueryDsl;
using Elastic.Transport;
using Elastic.Transport.Products.Elasticsearch;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using F = ContextHub.Knowledge.Elasticsearch.ElasticsearchSchema.Fields;

namespace ContextHub.Knowledge.Elasticsearch;

/// <summary>
/// The knowledge store on an Elasticsearch 9 cluster, through the official client. Three indices (documents, chunks,
/// tool calls) made from composable index templates at start; the chunks index, made when the store is bound to an
/// embedding model, holds each chunk's text (BM25, English analysis), its vector (dense_vector, HNSW, cosine) and a
/// copy of its document's metadata, so kNN and full-text searches filter in one request.
/// </summary>
/// <remarks>
/// Elasticsearch has no transaction across requests, so a write is a sequence (see docs/elasticsearch.md): the new
/// chunks are indexed under a new generation number beside the old ones, the document record is switched to that
/// generation (an externally versioned write, so an older concurrent write cannot win), then the chunks of older
/// generations are deleted. Readers of a document's chunks only ever see the generation its record names; a search
/// may, for the moment between the steps, find chunks of both the old and the new version, never of neither. A
/// failed write removes the chunks it added and leaves the previous version whole.
/// </remarks>
public sealed partial class ElasticsearchKnowledgeStore : IKnowledgeStore, IVectorIndex, IFullTextIndex, IMetadataIndex
{
    /// <summary>Elasticsearch's default <c>index.max_result_window</c> and kNN limit.</summary>
    internal const int MaxWindow = 10_000;

    /// <summary>Hits per page when reading more than fits one response.</summary>
    internal const int PageSize = 1000;

    /// <summary>Chunks per bulk request (a chunk with a 1536-dimension vector is about 30 KB of JSON).</summary>
    internal const int BulkBatchSize = 500;

    private const int MaxIdBytes = 512;

    private static long s_lastStamp;

    private readonly ElasticsearchStoreOptions _options;
    private readonly ElasticsearchClientSettings _settings;
    private readonly ElasticsearchClient _client;
    private readonly ElasticsearchSchema _schema;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _bindLock = new(1, 1);
    private readonly SemaphoreSlim[] _documentLocks = [.. Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1))];
    private volatile EmbeddingModelInfo? _model;
    private int _disposed;

    private ElasticsearchKnowledgeStore(ElasticsearchStoreOptions options, ElasticsearchClientSettings settings, ILogger logger)
    {
        _options = options;
        _settings = settings;
        _client = new ElasticsearchClient(settings);
        _schema = new ElasticsearchSchema(options);
        _logger = logger;
    }

    public IVectorIndex Vectors => this;

    public IFullTextIndex FullText => this;

    public IMetadataIndex Metadata => this;

    public EmbeddingModelInfo? EmbeddingModel => _model;

    /// <summary>The names of the store's indices (documents, chunks, tool calls); the templates have the same names.</summary>
    public IReadOnlyList<string> IndexNames => [_schema.Documents, _schema.Chunks, _schema.ToolCalls];

    private string Location => $"{_options.Url} (index {_schema.Chunks})";

    private Refresh WriteRefresh => _options.Refresh == ElasticsearchRefreshMode.Immediate ? Refresh.True : Refresh.WaitFor;

    // ------------------------------------------------------------------ opening

    /// <summary>
    /// Connects to the cluster, creates or updates the index templates, creates the documents and tool-call indices
    /// when missing and reads the embedding model the chunks index was built with (if it exists).
    /// Throws <see cref="OptionsValidationException"/> for unusable options.
    /// </summary>
    public static Task<ElasticsearchKnowledgeStore> OpenAsync(ElasticsearchStoreOptions options, ILogger<ElasticsearchKnowledgeStore>? logger = null, CancellationToken cancellationToken = default) =>
        OpenAsync(options, null, logger, cancellationToken);

    /// <summary>As <see cref="OpenAsync(ElasticsearchStoreOptions, ILogger{ElasticsearchKnowledgeStore}?, CancellationToken)"/>, through <paramref name="requestInvoker"/> (tests).</summary>
    internal static async Task<ElasticsearchKnowledgeStore> OpenAsync(ElasticsearchStoreOptions options, IRequestInvoker? requestInvoker, ILogger? logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = ElasticsearchStoreOptionsValidator.Check(options);
        if (failures.Count > 0)
        {
            throw new OptionsValidationException(ElasticsearchStoreOptions.Section, typeof(ElasticsearchStoreOptions), failures);
        }

        var store = new ElasticsearchKnowledgeStore(options, CreateClientSettings(options, requestInvoker), logger ?? NullLogger.Instance);
        try
        {
            await store.InitializeAsync(cancellationToken);
            return store;
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
    }

    internal static ElasticsearchClientSettings CreateClientSettings(ElasticsearchStoreOptions options, IRequestInvoker? requestInvoker)
    {
        var pool = new SingleNodePool(new Uri(options.Url!));
        var settings = requestInvoker is null ? new ElasticsearchClientSettings(pool) : new ElasticsearchClientSettings(pool, requestInvoker);
        settings.RequestTimeout(options.RequestTimeout);
        if (!string.IsNullOrWhiteSpace(options.ApiKey))
        {
            settings.Authentication(new ApiKey(options.ApiKey.Trim()));
        }
        else if (!string.IsNullOrWhiteSpace(options.Username))
        {
            settings.Authentication(new BasicAuthentication(options.Username, options.Password ?? ""));
        }

        if (!string.IsNullOrWhiteSpace(options.CertificateFingerprint))
        {
            settings.CertificateFingerprint(options.CertificateFingerprint.Trim());
        }

        return settings;
    }

    private async Task InitializeAsync(CancellationToken cancellationToken)
    {
        foreach (var template in new[] { _schema.DocumentsTemplate(), _schema.ChunksTemplate(), _schema.ToolCallsTemplate() })
        {
            var response = await _client.Indices.PutIndexTemplateAsync(template, cancellationToken);
            Ensure(response, $"create the index template {template.Name}");
        }

        await CreateIndexIfMissingAsync(_schema.Documents, cancellationToken);
        await CreateIndexIfMissingAsync(_schema.ToolCalls, cancellationToken);
        _model = await ReadBoundModelAsync(cancellationToken);
        Log.Opened(_logger, _options.Url!, _schema.Documents, _schema.Chunks, _schema.ToolCalls, _model);
    }

    private async Task CreateIndexIfMissingAsync(string index, CancellationToken cancellationToken)
    {
        var response = await _client.Indices.CreateAsync(new CreateIndexRequest(index), cancellationToken);
        if (!response.IsValidResponse && !IsError(response, "resource_already_exists_exception"))
        {
            throw Failure(response, $"create the index {index}");
        }
    }

    /// <summary>The model recorded in the chunks index's mapping <c>_meta</c>; null when the index does not exist yet.</summary>
    private async Task<EmbeddingModelInfo?> ReadBoundModelAsync(CancellationToken cancellationToken)
    {
        var response = await _client.Indices.GetMappingAsync(new GetMappingRequest(_schema.Chunks), cancellationToken);
        if (!response.IsValidResponse)
        {
            if (response.ApiCallDetails.HttpStatusCode == 404)
            {
                return null;
            }

            throw Failure(response, $"read the mapping of {_schema.Chunks}");
        }

        var meta = response.Mappings.Values.FirstOrDefault()?.Mappings?.Meta;
        if (meta is null || !meta.TryGetValue("embedding_model", out var model) || !meta.TryGetValue("embedding_dimensions", out var dims) ||
            !int.TryParse(MetaString(dims), NumberStyles.Integer, CultureInfo.InvariantCulture, out var dimensions))
        {
            throw new InvalidOperationException(
                $"The index {_schema.Chunks} exists but does not record an embedding model in its mapping's _meta, so ContextHub did not make it. " +
                $"Delete it, or set {ElasticsearchStoreOptions.Section}:IndexPrefix so ContextHub uses other index names.");
        }

        return new EmbeddingModelInfo(MetaString(model) ?? "", dimensions);
    }

    private static string? MetaString(object? value) => value switch
    {
        null => null,
        JsonElement { ValueKind: JsonValueKind.String } e => e.GetString(),
        JsonElement e => e.GetRawText(),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    // ------------------------------------------------------------------ IKnowledgeStore

    public async Task BindEmbeddingModelAsync(EmbeddingModelInfo model, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(model.Dimensions, 1);
        ThrowIfDisposed();
        if (_model is { } bound)
        {
            CheckSame(bound, model);
            return;
        }

        await _bindLock.WaitAsync(cancellationToken);
        try
        {
            if (_model is { } again)
            {
                CheckSame(again, model);
                return;
            }

            var response = await _client.Indices.CreateAsync(_schema.CreateChunksIndex(model), cancellationToken);
            if (!response.IsValidResponse)
            {
                if (!IsError(response, "resource_already_exists_exception"))
                {
                    throw Failure(response, $"create the index {_schema.Chunks}");
                }

                // Another process bound the store first: take its model, or refuse ours.
                var existing = await ReadBoundModelAsync(cancellationToken) ?? throw Failure(response, $"create the index {_schema.Chunks}");
                CheckSame(existing, model);
                _model = existing;
                return;
            }

            _model = model;
            Log.Bound(_logger, _schema.Chunks, model);
        }
        finally
        {
            _bindLock.Release();
        }
    }

    private void CheckSame(EmbeddingModelInfo bound, EmbeddingModelInfo requested)
    {
        if (bound != requested)
        {
            throw new EmbeddingModelMismatchException(bound, requested, Location);
        }
    }

    public async Task UpsertDocumentAsync(Document document, IReadOnlyList<Chunk> chunks, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(chunks);
        ArgumentException.ThrowIfNullOrEmpty(document.Id);
        ThrowIfDisposed();
        var model = _model ?? throw new InvalidOperationException("Bind the store to an embedding model (BindEmbeddingModelAsync) before writing documents.");
        var seenIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var chunk in chunks)
        {
            if (chunk.DocumentId != document.Id)
            {
                throw new ArgumentException($"Chunk {chunk.Id} belongs to document {chunk.DocumentId}, not {document.Id}.", nameof(chunks));
            }

            if (!seenIds.Add(chunk.Id))
            {
                throw new ArgumentException($"Chunk id {chunk.Id} appears twice.", nameof(chunks));
            }

            if (chunk.Embedding.Length != model.Dimensions)
            {
                throw new EmbeddingModelMismatchException(model, new EmbeddingModelInfo("(embedding of chunk " + chunk.Id + ")", chunk.Embedding.Length), Location);
            }
        }

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

    // ------------------------------------------------------------------ IVectorIndex

    async Task<IReadOnlyList<VectorHit>> IVectorIndex.SearchAsync(ReadOnlyMemory<float> query, int k, MetadataFilter? filter, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ThrowIfDisposed();
        if (_model is { } model && query.Length != model.Dimensions)
        {
            throw new EmbeddingModelMismatchException(model, new EmbeddingModelInfo("(query embedding)", query.Length), Location);
        }

        var filterQuery = ElasticsearchFilterTranslator.Translate(filter);
        var vector = VectorMath.Normalized(query);
        if (_model is null || !vector.Span.ContainsAnyExcept(0f))
        {
            return [];
        }

        var response = await _client.SearchAsync<ChunkReference>(VectorSearchRequest(vector, k, filterQuery), cancellationToken);
        Ensure(response, "run a kNN search");
        // Elasticsearch scores cosine similarity as (1 + cosine) / 2.
        return [.. response.Hits.Where(h => h.Source is not null).Select(h => new VectorHit(h.Source!.ChunkId, h.Source.DocumentId, 2 * (h.Score ?? 0.5) - 1))];
    }

    internal SearchRequest VectorSearchRequest(ReadOnlyMemory<float> normalized, int k, Query? filter)
    {
        k = Math.Min(k, MaxWindow);
        return new SearchRequest(_schema.Chunks)
        {
            Size = k,
            Source = new SourceConfig(new SourceFilter { Includes = new[] { F.ChunkId, F.DocumentId } }),
            Knn =
            [
                new KnnSearch
                {
                    Field = F.Embedding,
                    QueryVector = normalized.ToArray(),
                    K = k,
                    NumCandidates = Math.Clamp(k * _options.NumCandidatesFactor, Math.Max(k, 100), MaxWindow),
                    Filter = filter is null ? null : [filter],
                },
            ],
        };
    }

    // ------------------------------------------------------------------ IFullTextIndex

    async Task<IReadOnlyList<FullTextHit>> IFullTextIndex.SearchAsync(string query, int k, MetadataFilter? filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ThrowIfDisposed();
        var filterQuery = ElasticsearchFilterTranslator.Translate(filter);
        if (string.IsNullOrWhiteSpace(query) || _model is null)
        {
            return [];
        }

        var response = await _client.SearchAsync<ChunkReference>(FullTextSearchRequest(query, k, filterQuery), cancellationToken);
        Ensure(response, "run a full-text search");
        var hits = new List<FullTextHit>(response.Hits.Count);
        foreach (var hit in response.Hits)
        {
            if (hit.Source is not { } source)
            {
                continue;
            }

            var fragment = hit.Highlight is { } h && h.TryGetValue(F.Text, out var fragments) ? fragments.FirstOrDefault() : null;
            hits.Add(new FullTextHit(source.ChunkId, source.DocumentId, hit.Score ?? 0, Snippet(source.Text ?? "", fragment)));
        }

        return hits;
    }

    internal SearchRequest FullTextSearchRequest(string query, int k, Query? filter) => new(_schema.Chunks)
    {
        Size = Math.Min(k, MaxWindow),
        Source = new SourceConfig(new SourceFilter { Includes = new[] { F.ChunkId, F.DocumentId, F.Text } }),
        // match analyzes the words with the field's analyzer and never parses query syntax; any word may match
        // (operator or) and BM25 ranks chunks matching more and rarer words higher.
        Query = new BoolQuery
        {
            Must = [new MatchQuery { Field = F.Text, Query = query, Operator = Operator.Or }],
            Filter = filter is null ? null : [filter],
        },
        Highlight = new Highlight
        {
            PreTags = [FullTextMarkers.Open],
            PostTags = [FullTextMarkers.Close],
            Encoder = HighlighterEncoder.Default,
            Fields =
            [
                new(F.Text, new HighlightField
                {
                    Type = HighlighterType.Unified,
                    FragmentSize = _options.SnippetLength,
                    NumberOfFragments = 1,
                    NoMatchSize = _options.SnippetLength,
                }),
            ],
        },
    };

    /// <summary>The highlighted fragment, with an ellipsis where it cuts the chunk's text.</summary>
    internal static string Snippet(string text, string? fragment)
    {
        if (string.IsNullOrEmpty(fragment))
        {
            return text.Length <= 160 ? text : text[..160].TrimEnd() + FullTextMarkers.Ellipsis;
        }

        var plain = fragment.Replace(FullTextMarkers.Open, "", StringComparison.Ordinal).Replace(FullTextMarkers.Close, "", StringComparison.Ordinal).Trim();
        var sb = new StringBuilder(fragment.Length + 2);
        if (!text.TrimStart().StartsWith(plain.Length > 0 ? plain[..Math.Min(plain.Length, 20)] : plain, StringComparison.Ordinal))
        {
            sb.Append(FullTextMarkers.Ellipsis);
        }

        sb.Append(fragment.Trim());
        if (!text.TrimEnd().EndsWith(plain.Length > 0 ? plain[Math.Max(0, plain.Length - 20)..] : plain, StringComparison.Ordinal))
        {
            sb.Append(FullTextMarkers.Ellipsis);
        }

        return sb.ToString();
    }

    // ------------------------------------------------------------------ IMetadataIndex

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
        if (_model is null || await GetRecordAsync(documentId, cancellationToken) is not { } record)
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
        if (ids.Count == 0 || _model is null)
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
        Embedding = record.Embedding ?? new float[_model?.Dimensions ?? 0],
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

    public async Task RecordToolCallAsync(ToolCallRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        ThrowIfDisposed();
        var source = ToolCallSource.From(record.Truncated(), NextStamp());
        var response = await _client.IndexAsync(new IndexRequest<ToolCallSource>(source, _schema.ToolCalls, Key(record.Id)) { Refresh = WriteRefresh }, cancellationToken);
        Ensure(response, $"record tool call {record.Id}");
    }

    /// <summary>The records in bulk requests of <see cref="BulkBatchSize"/>, one refresh per request: the server writes them in batches.</summary>
    public async Task RecordToolCallsAsync(IReadOnlyList<ToolCallRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        ThrowIfDisposed();
        var operations = new List<IBulkOperation>(Math.Min(records.Count, BulkBatchSize));
        foreach (var record in records)
        {
            operations.Add(new BulkIndexOperation<ToolCallSource>(ToolCallSource.From(record.Truncated(), NextStamp())) { Id = Key(record.Id) });
            if (operations.Count == BulkBatchSize)
            {
                await BulkToolCallsAsync(operations, cancellationToken);
            }
        }

        await BulkToolCallsAsync(operations, cancellationToken);
    }

    private async Task BulkToolCallsAsync(List<IBulkOperation> operations, CancellationToken cancellationToken)
    {
        if (operations.Count == 0)
        {
            return;
        }

        var response = await _client.BulkAsync(new BulkRequest(_schema.ToolCalls) { Refresh = WriteRefresh, Operations = [.. operations] }, cancellationToken);
        EnsureBulk(response, $"record {operations.Count} tool calls");
        operations.Clear();
    }

    public async Task<IReadOnlyList<ToolCallRecord>> GetToolCallsAsync(ToolCallQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ThrowIfDisposed();
        if (query.Limit <= 0)
        {
            return [];
        }

        var response = await _client.SearchAsync<ToolCallSource>(ToolCallsRequest(query), cancellationToken);
        Ensure(response, "read tool calls");
        return [.. response.Hits.Where(h => h.Source is not null).Select(h => h.Source!.ToRecord())];
    }

    internal SearchRequest ToolCallsRequest(ToolCallQuery query)
    {
        var filters = new List<Query>();
        void Term(string field, string? value)
        {
            if (value is not null)
            {
                filters.Add(new TermQuery { Field = field, Value = value });
            }
        }

        Term(F.Caller, query.Caller);
        Term(F.Tool, query.Tool);
        Term(F.SessionId, query.SessionId);
        Term(F.Outcome, query.Outcome?.ToString());
        if (query.Since is not null || query.Until is not null)
        {
            filters.Add(new DateRangeQuery(F.Timestamp)
            {
                Gte = query.Since is { } since ? (DateMath)ElasticsearchDates.Format(since) : null,
                Lte = query.Until is { } until ? (DateMath)ElasticsearchDates.Format(until) : null,
                Format = ElasticsearchSchema.DateFormat,
            });
        }

        return new SearchRequest(_schema.ToolCalls)
        {
            Size = Math.Min(query.Limit, MaxWindow),
            Query = filters.Count == 0 ? null : (Query)new BoolQuery { Filter = filters },
            Sort = [SortOn(F.Timestamp, SortOrder.Desc), SortOn(F.Sequence, SortOrder.Desc)],
        };
    }

    public async Task<KnowledgeStoreStats> GetStatsAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        var documents = await CountAsync(_schema.Documents, null, cancellationToken);
        var chunks = await CountAsync(_schema.Chunks, null, cancellationToken);
        var toolCalls = await CountAsync(_schema.ToolCalls, null, cancellationToken);
        return new KnowledgeStoreStats(documents, chunks, toolCalls, _model);
    }

    // ------------------------------------------------------------------ helpers

    /// <summary>Reads the vectors back: Elasticsearch 9.2+ leaves dense_vector fields out of <c>_source</c> by default.</summary>
    private static readonly SourceConfig WithVectors = new(new SourceFilter { ExcludeVectors = false });

    private static SortOptions SortOn(string field, SortOrder order = SortOrder.Asc) =>
        new() { Field = new FieldSort { Field = field, Order = order } };

    /// <summary>
    /// Hits <paramref name="skip"/>… of a query sorted on unique keys: one request while it fits the result window,
    /// else pages with <c>search_after</c>.
    /// </summary>
    private async Task<List<T>> SearchAllAsync<T>(string index, Query? query, ICollection<SortOptions> sort, int skip, int take, SourceConfig? source, CancellationToken cancellationToken)
    {
        var results = new List<T>();
        if ((long)skip + take <= MaxWindow)
        {
            var request = new SearchRequest(index) { Query = query, Sort = sort, From = skip == 0 ? null : skip, Size = take, Source = source, IgnoreUnavailable = true };
            var response = await _client.SearchAsync<T>(request, cancellationToken);
            Ensure(response, $"search {index}");
            results.AddRange(response.Hits.Where(h => h.Source is not null).Select(h => h.Source!));
            return results;
        }

        ICollection<FieldValue>? after = null;
        var skipped = 0;
        while (results.Count < take)
        {
            var request = new SearchRequest(index) { Query = query, Sort = sort, Size = PageSize, SearchAfter = after, Source = source, IgnoreUnavailable = true };
            var response = await _client.SearchAsync<T>(request, cancellationToken);
            Ensure(response, $"search {index}");
            foreach (var hit in response.Hits)
            {
                if (skipped < skip)
                {
                    skipped++;
                }
                else if (hit.Source is not null && results.Count < take)
                {
                    results.Add(hit.Source);
                }
            }

            if (response.Hits.Count < PageSize)
            {
                break;
            }

            after = [.. response.Hits.Last().Sort!];
        }

        return results;
    }

    /// <summary>A stamp larger than every earlier one of this process (and, by the clock, of earlier processes).</summary>
    private static long NextStamp()
    {
        while (true)
        {
            var last = Volatile.Read(ref s_lastStamp);
            var next = Math.Max(last + 1, DateTime.UtcNow.Ticks);
            if (Interlocked.CompareExchange(ref s_lastStamp, next, last) == last)
            {
                return next;
            }
        }
    }

    private SemaphoreSlim LockFor(string documentId) =>
        _documentLocks[(int)((uint)StringComparer.Ordinal.GetHashCode(documentId) % (uint)_documentLocks.Length)];

    /// <summary>The <c>_id</c> of a document's record: its id, or a hash of it when longer than Elasticsearch allows.</summary>
    internal static string DocumentKey(string documentId) => Key(documentId);

    internal static string ChunkKey(string chunkId, long generation) =>
        Key(chunkId + "@" + generation.ToString(CultureInfo.InvariantCulture));

    private static string Key(string value) =>
        Encoding.UTF8.GetByteCount(value) <= MaxIdBytes ? value : "sha256-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    private static bool IsError(ElasticsearchResponse response, string type) =>
        string.Equals(response.ElasticsearchServerError?.Error?.Type, type, StringComparison.Ordinal);

    private void Ensure(ElasticsearchResponse response, string action)
    {
        if (!response.IsValidResponse)
        {
            throw Failure(response, action);
        }
    }

    private void EnsureBulk(BulkResponse response, string action)
    {
        if (response.Errors && response.ItemsWithErrors.Any())
        {
            var first = response.ItemsWithErrors.First();
            throw new InvalidOperationException(
                $"Elasticsearch could not {action}: {response.ItemsWithErrors.Count()} of {response.Items.Count} items failed, the first ({first.Id}) with {first.Error?.Type}: {first.Error?.Reason}");
        }

        Ensure(response, action);
    }

    private InvalidOperationException Failure(ElasticsearchResponse response, string action)
    {
        var status = response.ApiCallDetails?.HttpStatusCode;
        var error = response.ElasticsearchServerError?.Error;
        var detail = error is not null ? $"{error.Type}: {error.Reason}" : response.ApiCallDetails?.OriginalException?.Message ?? "no response";
        var hint = status switch
        {
            null => $" Check that Elasticsearch runs at {_options.Url} ({ElasticsearchStoreOptions.Section}:Url).",
            401 => $" Check {ElasticsearchStoreOptions.Section}:ApiKey or Username/Password.",
            403 => $" Give the user or API key the privileges manage_index_templates on the cluster and create_index, read, write, delete on {_options.NamePrefix}contexthub-*.",
            _ => "",
        };
        return new InvalidOperationException(
            $"Elasticsearch could not {action} ({(status is { } s ? "HTTP " + s.ToString(CultureInfo.InvariantCulture) : "no response")}): {detail}.{hint}",
            response.ApiCallDetails?.OriginalException);
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            ((IDisposable)_settings).Dispose();
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>The fields search hits read.</summary>
    private sealed class ChunkReference
    {
        [JsonPropertyName(F.ChunkId)]
        public string ChunkId { get; set; } = "";

        [JsonPropertyName(F.DocumentId)]
        public string DocumentId { get; set; } = "";

        [JsonPropertyName(F.Text)]
        public string? Text { get; set; }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5201, Level = LogLevel.Information, Message = "Opened Elasticsearch knowledge store at {Url}: indices {Documents}, {Chunks}, {ToolCalls}; embedding model {Model}")]
        public static partial void Opened(ILogger logger, string url, string documents, string chunks, string toolCalls, EmbeddingModelInfo? model);

        [LoggerMessage(EventId = 5202, Level = LogLevel.Information, Message = "Created {Index} for embedding model {Model}")]
        public static partial void Bound(ILogger logger, string index, EmbeddingModelInfo model);

        [LoggerMessage(EventId = 5203, Level = LogLevel.Information, Message = "Write of document {DocumentId} (generation {Generation}) was superseded by a newer write")]
        public static partial void Superseded(ILogger logger, string documentId, long generation);

        [LoggerMessage(EventId = 5204, Level = LogLevel.Warning, Message = "Document {DocumentId} is written, but the chunks of its earlier version could not be deleted yet; the next write or delete of it removes them")]
        public static partial void StaleChunksLeft(ILogger logger, string documentId, Exception error);

        [LoggerMessage(EventId = 5205, Level = LogLevel.Warning, Message = "A failed write of document {DocumentId} could not remove the chunks it had added; the next write or delete of it removes them")]
        public static partial void RollbackFailed(ILogger logger, string documentId, Exception error);
    }
}
