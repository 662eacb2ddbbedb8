using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using ContextHub.Knowledge.Indexes;
using Elastic.Clients.Elasticsearch;
using Elastic.Clients.Elasticsearch.Core.Bulk;
using Elastic.Clients.Elasticsearch.Core.Search;
using Elastic.Clients.Elasticsearch.QueryDsl;
using Elastic.Transport.Products.Elasticsearch;
using Microsoft.Extensions.Logging;
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
public sealed partial class ElasticsearchKnowledgeStore
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
    private readonly SemaphoreSlim[] _documentLocks = [.. Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1))];
    private readonly EmbeddingModelBinding _binding;
    private int _disposed;

    private ElasticsearchKnowledgeStore(ElasticsearchStoreOptions options, ElasticsearchClientSettings settings, ILogger logger)
    {
        _options = options;
        _settings = settings;
        _client = new ElasticsearchClient(settings);
        _schema = new ElasticsearchSchema(options);
        _logger = logger;
        _binding = new EmbeddingModelBinding($"{options.Url} (index {_schema.Chunks})");
    }

    public IVectorIndex Vectors => this;

    public IFullTextIndex FullText => this;

    public IMetadataIndex Metadata => this;

    public EmbeddingModelInfo? EmbeddingModel => _binding.Model;

    /// <summary>The names of the store's indices (documents, chunks, tool calls); the templates have the same names.</summary>
    public IReadOnlyList<string> IndexNames => [_schema.Documents, _schema.Chunks, _schema.ToolCalls];

    private Refresh WriteRefresh => _options.Refresh == ElasticsearchRefreshMode.Immediate ? Refresh.True : Refresh.WaitFor;

    private async Task InitializeAsync(CancellationToken cancellationToken)
    {
        foreach (var template in new[] { _schema.DocumentsTemplate(), _schema.ChunksTemplate(), _schema.ToolCallsTemplate() })
        {
            var response = await _client.Indices.PutIndexTemplateAsync(template, cancellationToken);
            Ensure(response, $"create the index template {template.Name}");
        }

        await CreateIndexIfMissingAsync(_schema.Documents, cancellationToken);
        await CreateIndexIfMissingAsync(_schema.ToolCalls, cancellationToken);
        _binding.Restore(await ReadBoundModelAsync(cancellationToken));
        Log.Opened(_logger, _options.Url!, _schema.Documents, _schema.Chunks, _schema.ToolCalls, _binding.Model);
    }

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
        return new KnowledgeStoreStats(documents, chunks, toolCalls, _binding.Model);
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
