using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using ContextHub.Knowledge.Filters;
using ContextHub.Knowledge.Ingestion;
using ContextHub.Knowledge.Search;
using ContextHub.Knowledge.Indexes;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ContextHub.Knowledge;

/// <summary>
/// The knowledge base: ingests documents into a store's three indices and searches them by full text (BM25), by vector
/// (kNN) or both (reciprocal rank fusion), under metadata filters.
/// </summary>
public sealed class KnowledgeService
{
    private readonly IKnowledgeStore _store;
    private readonly IEmbeddingGenerator<string, Embedding<float>> _embedder;
    private readonly KnowledgeOptions _options;
    private readonly ContentExtractors _extractors;
    private readonly TextChunker _chunker;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _bindLock = new(1, 1);
    private EmbeddingModelInfo? _model;

    public KnowledgeService(
        IKnowledgeStore store,
        IEmbeddingGenerator<string, Embedding<float>> embeddingGenerator,
        KnowledgeOptions? options = null,
        ContentExtractors? extractors = null,
        ILogger<KnowledgeService>? logger = null,
        TimeProvider? timeProvider = null)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _embedder = embeddingGenerator ?? throw new ArgumentNullException(nameof(embeddingGenerator));
        _options = options ?? new KnowledgeOptions();
        _extractors = extractors ?? ContentExtractors.CreateDefault();
        _chunker = new TextChunker(_options.Chunking);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
    }

    public IKnowledgeStore Store => _store;

    /// <summary>
    /// Learns the embedding model (id and dimension) and binds the store to it; throws
    /// <see cref="EmbeddingModelMismatchException"/> when the store was built with another. Called on first use.
    /// </summary>
    public async Task<EmbeddingModelInfo> InitializeAsync(CancellationToken cancellationToken = default)
    {
        if (_model is { } known)
        {
            return known;
        }

        await _bindLock.WaitAsync(cancellationToken);
        try
        {
            if (_model is { } again)
            {
                return again;
            }

            var metadata = _embedder.GetService<EmbeddingGeneratorMetadata>();
            var id = _options.EmbeddingModelId ?? metadata?.DefaultModelId ?? metadata?.ProviderName ?? _embedder.GetType().Name;
            var dimensions = metadata?.DefaultModelDimensions;
            if (dimensions is null or <= 0)
            {
                var probe = await _embedder.GenerateAsync(["dimension probe"], cancellationToken: cancellationToken);
                dimensions = probe[0].Vector.Length;
            }

            var model = new EmbeddingModelInfo(id, dimensions.Value);
            await _store.BindEmbeddingModelAsync(model, cancellationToken);
            Log.ModelBound(_logger, model);
            _model = model;
            return model;
        }
        finally
        {
            _bindLock.Release();
        }
    }

    /// <summary>The resource URI of a document: <c>kb://documents/{id}</c>.</summary>
    public static string ResourceUri(string documentId) => KnowledgeUris.Document(documentId);

    /// <summary>The default document id for a source: stable, URI-safe, 20 hex characters of the source's SHA-256.</summary>
    public static string DocumentIdFor(string source) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(source)))[..20];

    public Task<Document?> GetDocumentAsync(string documentId, CancellationToken cancellationToken = default) =>
        _store.Metadata.GetDocumentAsync(documentId, cancellationToken);

    public Task<IReadOnlyList<Chunk>> GetChunksAsync(string documentId, CancellationToken cancellationToken = default) =>
        _store.Metadata.GetChunksAsync(documentId, cancellationToken);

    /// <summary>Removes a document from all three indices.</summary>
    public async Task<bool> DeleteDocumentAsync(string documentId, CancellationToken cancellationToken = default)
    {
        var deleted = await _store.DeleteDocumentAsync(documentId, cancellationToken);
        if (deleted)
        {
            Log.Deleted(_logger, documentId);
        }

        return deleted;
    }

    public Task RecordToolCallAsync(ToolCallRecord record, CancellationToken cancellationToken = default) =>
        _store.Metadata.RecordToolCallAsync(record.Truncated(), cancellationToken);

    // ---------------------------------------------------------------- search

    public async Task<IReadOnlyList<SearchHit>> SearchAsync(SearchRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        using var activity = Telemetry.KnowledgeTelemetry.StartSearch(request.Mode);
        var hits = await SearchCoreAsync(request, cancellationToken);
        Telemetry.KnowledgeTelemetry.SearchFinished(request.Mode, started, hits.Count, activity);
        return hits;
    }

    private async Task<IReadOnlyList<SearchHit>> SearchCoreAsync(SearchRequest request, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(request.Limit, 1);
        if (request.Filter is not null)
        {
            MetadataFilterValidator.Validate(request.Filter);
        }

        if (string.IsNullOrWhiteSpace(request.Query))
        {
            return [];
        }

        // With one hit per document, fetch more chunks so that collapsing still leaves enough documents; when the chunks
        // of a few documents crowd the candidates, ask again for more (a document's chunks tend to sit close together).
        var queryVector = request.Mode == SearchMode.FullText ? (ReadOnlyMemory<float>?)null : await EmbedQueryAsync(request.Query, cancellationToken);
        var perList = request.OneHitPerDocument ? Math.Max(request.Limit * 3, request.Limit + 20) : request.Limit;
        IReadOnlyList<FullTextHit> fullText;
        IReadOnlyList<VectorHit> vector;
        Dictionary<string, (int Rank, FullTextHit Hit)> ftRank;
        Dictionary<string, (int Rank, VectorHit Hit)> vecRank;
        List<(string ChunkId, string DocumentId, double Score)> ranked;
        while (true)
        {
            var k = request.Mode == SearchMode.Hybrid ? Math.Max(perList, _options.HybridCandidates) : perList;
            var ft = request.Mode == SearchMode.Vector
                ? Task.FromResult<IReadOnlyList<FullTextHit>>([])
                : _store.FullText.SearchAsync(request.Query, k, request.Filter, cancellationToken);
            var vec = request.Mode == SearchMode.FullText
                ? Task.FromResult<IReadOnlyList<VectorHit>>([])
                : _store.Vectors.SearchAsync(queryVector!.Value, k, request.Filter, cancellationToken);
            await Task.WhenAll(ft, vec);
            fullText = await ft;
            vector = await vec;

            ftRank = new Dictionary<string, (int Rank, FullTextHit Hit)>();
            for (var i = 0; i < fullText.Count; i++)
            {
                ftRank.TryAdd(fullText[i].ChunkId, (i + 1, fullText[i]));
            }

            vecRank = new Dictionary<string, (int Rank, VectorHit Hit)>();
            for (var i = 0; i < vector.Count; i++)
            {
                vecRank.TryAdd(vector[i].ChunkId, (i + 1, vector[i]));
            }

            var ftRanks = ftRank;
            var vecRanks = vecRank;
            ranked = request.Mode switch
            {
                SearchMode.FullText => fullText.Select(h => (h.ChunkId, h.DocumentId, h.Score)).ToList(),
                SearchMode.Vector => vector.Select(h => (h.ChunkId, h.DocumentId, h.Score)).ToList(),
                _ => ReciprocalRankFusion.Fuse([fullText.Select(h => h.ChunkId).ToList(), vector.Select(h => h.ChunkId).ToList()], _options.RrfK)
                    .Select(f => (f.Key, ftRanks.TryGetValue(f.Key, out var a) ? a.Hit.DocumentId : vecRanks[f.Key].Hit.DocumentId, f.Score))
                    .ToList(),
            };

            var exhausted = fullText.Count < k && vector.Count < k;
            if (!request.OneHitPerDocument || exhausted || k >= MaxCandidates
                || ranked.Select(r => r.DocumentId).Distinct().Take(request.Limit).Count() >= request.Limit)
            {
                break;
            }

            perList = Math.Min(k * 4, MaxCandidates);
        }

        var picked = new List<(string ChunkId, string DocumentId, double Score)>(request.Limit);
        var documents = new HashSet<string>();
        foreach (var hit in ranked)
        {
            if (request.OneHitPerDocument && !documents.Add(hit.DocumentId))
            {
                continue;
            }

            picked.Add(hit);
            if (picked.Count == request.Limit)
            {
                break;
            }
        }

        var chunks = (await _store.Metadata.GetChunksByIdAsync(picked.Select(p => p.ChunkId).ToList(), cancellationToken))
            .ToDictionary(c => c.Id);
        var terms = SnippetBuilder.Terms(request.Query);
        var hits = new List<SearchHit>(picked.Count);
        foreach (var (chunkId, documentId, score) in picked)
        {
            if (!chunks.TryGetValue(chunkId, out var chunk))
            {
                continue; // deleted between the search and now
            }

            hits.Add(new SearchHit
            {
                DocumentId = documentId,
                ChunkId = chunkId,
                Score = score,
                Snippet = ftRank.TryGetValue(chunkId, out var f) && !string.IsNullOrEmpty(f.Hit.Snippet) ? f.Hit.Snippet : SnippetBuilder.Build(chunk.Text, terms),
                ResourceUri = KnowledgeUris.Document(documentId),
                Title = chunk.Document?.Title ?? "",
                Source = chunk.Document?.Source ?? "",
                Heading = chunk.Heading,
                FullTextRank = ftRank.TryGetValue(chunkId, out var fr) ? fr.Rank : null,
                VectorRank = vecRank.TryGetValue(chunkId, out var vr) ? vr.Rank : null,
            });
        }

        return hits;
    }

    /// <summary>Most candidates one list may fetch when collapsing to one hit per document needs more.</summary>
    private const int MaxCandidates = 2000;

    private async Task<ReadOnlyMemory<float>> EmbedQueryAsync(string query, CancellationToken cancellationToken)
    {
        var model = await InitializeAsync(cancellationToken);
        var embeddings = await _embedder.GenerateAsync([query], cancellationToken: cancellationToken);
        return CheckedVector(embeddings[0], model);
    }

    private static ReadOnlyMemory<float> CheckedVector(Embedding<float> embedding, EmbeddingModelInfo model)
    {
        var vector = embedding.Vector;
        if (vector.Length != model.Dimensions)
        {
            throw new EmbeddingModelMismatchException(model, new EmbeddingModelInfo(embedding.ModelId ?? model.ModelId, vector.Length));
        }

        return VectorMath.Normalized(vector);
    }

    // ---------------------------------------------------------------- ingestion

    /// <summary>
    /// Ingests every request in order. A request that fails is reported in its result and the batch goes on; nothing of
    /// a failed document is written. Only cancellation and an embedding model mismatch stop the batch.
    /// </summary>
    public async Task<IngestionBatchResult> IngestAsync(
        IReadOnlyList<IngestionRequest> requests,
        IProgress<IngestionProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var results = new List<IngestionResult>(requests.Count);
        Telemetry.KnowledgeTelemetry.IngestionQueued(requests.Count);
        try
        {
            foreach (var request in requests)
            {
                var result = await IngestAsync(request, cancellationToken);
                results.Add(result);
                Telemetry.KnowledgeTelemetry.IngestionDequeued(1);
                progress?.Report(new IngestionProgress(results.Count, requests.Count, result));
            }
        }
        finally
        {
            Telemetry.KnowledgeTelemetry.IngestionDequeued(requests.Count - results.Count);
        }

        return new IngestionBatchResult(results);
    }

    /// <summary>Ingests the files (each with a MIME type from its extension).</summary>
    public Task<IngestionBatchResult> IngestFilesAsync(IEnumerable<string> paths, IProgress<IngestionProgress>? progress = null, CancellationToken cancellationToken = default) =>
        IngestAsync(paths.Select(p => IngestionRequest.FromFile(p)).ToList(), progress, cancellationToken);

    /// <summary>Ingests one document; failures are reported in the result, not thrown (except cancellation and a model mismatch).</summary>
    public async Task<IngestionResult> IngestAsync(IngestionRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        using var activity = Telemetry.KnowledgeTelemetry.StartIngestion();
        IngestionResult result;
        try
        {
            result = await IngestCoreAsync(request, cancellationToken);
        }
        catch (IngestionException e)
        {
            result = new IngestionResult { Source = request.Source, DocumentId = request.Id, Status = IngestionStatus.Failed, ErrorKind = e.Kind, Error = e.Message };
        }

        if (result.Status == IngestionStatus.Failed)
        {
            Log.IngestFailed(_logger, result.Source, result.ErrorKind!.Value, result.Error ?? "");
        }
        else
        {
            Log.Ingested(_logger, result.Source, result.DocumentId, result.Status, result.ChunkCount);
        }

        Telemetry.KnowledgeTelemetry.IngestionFinished(result.Status, started, activity);
        return result;
    }

    private async Task<IngestionResult> IngestCoreAsync(IngestionRequest request, CancellationToken cancellationToken)
    {
        var model = await InitializeAsync(cancellationToken);
        var content = await ReadContentAsync(request, cancellationToken);
        var hash = Convert.ToHexStringLower(SHA256.HashData(content.Span));
        var id = string.IsNullOrWhiteSpace(request.Id) ? DocumentIdFor(request.Source) : request.Id;

        var existing = await _store.Metadata.GetDocumentAsync(id, cancellationToken);
        if (existing is not null && existing.ContentHash == hash && SameMetadata(existing, request))
        {
            return new IngestionResult { Source = request.Source, DocumentId = id, Status = IngestionStatus.Unchanged, ChunkCount = existing.ChunkCount };
        }

        if (existing is null || existing.ContentHash != hash)
        {
            var twins = await _store.Metadata.FindByContentHashAsync(hash, cancellationToken);
            var twin = twins.FirstOrDefault(d => d.Id != id);
            if (twin is not null)
            {
                return new IngestionResult { Source = request.Source, DocumentId = id, Status = IngestionStatus.Duplicate, DuplicateOf = twin.Id };
            }
        }

        var mimeType = request.MimeType ?? MimeTypes.FromFileName(request.FilePath ?? request.Source)
            ?? throw new IngestionException(IngestionErrorKind.UnsupportedFormat,
                $"{request.Source}: unknown format (extension '{Path.GetExtension(request.FilePath ?? request.Source)}'); supported: {string.Join(", ", _extractors.SupportedMimeTypes.Order())}.");
        var extractor = _extractors.Find(mimeType)
            ?? throw new IngestionException(IngestionErrorKind.UnsupportedFormat,
                $"{request.Source}: unsupported format '{mimeType}'; supported: {string.Join(", ", _extractors.SupportedMimeTypes.Order())}.");

        ExtractedContent extracted;
        try
        {
            extracted = extractor.Extract(content, request.Source);
        }
        catch (IngestionException)
        {
            throw;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new IngestionException(IngestionErrorKind.Unreadable, $"{request.Source}: could not read the {mimeType} content ({e.GetType().Name}: {e.Message})", e);
        }

        if (extracted.IsEmpty)
        {
            throw new IngestionException(IngestionErrorKind.Empty, $"{request.Source}: no text found in the {mimeType} content.");
        }

        var title = request.Title ?? extracted.Title ?? Path.GetFileNameWithoutExtension(request.FilePath ?? request.Source);
        var textChunks = _chunker.Chunk(extracted);
        var embeddings = await EmbedAsync(title, textChunks, model, request.Source, cancellationToken);

        var now = _time.GetUtcNow();
        var document = new Document
        {
            Id = id,
            Source = request.Source,
            Title = title,
            MimeType = mimeType,
            Tags = request.Tags,
            Metadata = Filters.AccessTags.Mark(request.Metadata, request.Tags),
            CreatedAt = existing?.CreatedAt ?? now,
            UpdatedAt = now,
            ContentHash = hash,
            ChunkCount = textChunks.Count,
        };
        var chunks = textChunks.Select((c, i) => new Chunk
        {
            Id = Chunk.MakeId(id, c.Ordinal),
            DocumentId = id,
            Ordinal = c.Ordinal,
            Heading = c.Heading,
            Text = c.Text,
            Embedding = embeddings[i],
        }).ToList();

        try
        {
            await _store.UpsertDocumentAsync(document, chunks, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException and not EmbeddingModelMismatchException and not ObjectDisposedException)
        {
            throw new IngestionException(IngestionErrorKind.StoreFailed, $"{request.Source}: the store refused the document ({e.Message}); nothing was written.", e);
        }

        return new IngestionResult
        {
            Source = request.Source,
            DocumentId = id,
            Status = existing is null ? IngestionStatus.Added : IngestionStatus.Updated,
            ChunkCount = chunks.Count,
        };
    }

    private static bool SameMetadata(Document existing, IngestionRequest request) =>
        existing.Source == request.Source &&
        (request.Title is null || request.Title == existing.Title) &&
        existing.Tags.SequenceEqual(request.Tags) &&
        SameEntries(existing.Metadata, Filters.AccessTags.Mark(request.Metadata, request.Tags));

    private static bool SameEntries(IReadOnlyDictionary<string, string> stored, IReadOnlyDictionary<string, string> wanted) =>
        stored.Count == wanted.Count && stored.All(kv => wanted.TryGetValue(kv.Key, out var v) && v == kv.Value);

    private async Task<ReadOnlyMemory<byte>> ReadContentAsync(IngestionRequest request, CancellationToken cancellationToken)
    {
        ReadOnlyMemory<byte> content;
        if (request.Content is { } inline)
        {
            if (inline.Length > _options.MaxDocumentBytes)
            {
                throw TooLarge(request.Source, inline.Length);
            }

            content = inline;
        }
        else if (request.FilePath is { } path)
        {
            FileInfo info;
            try
            {
                info = new FileInfo(path);
                if (!info.Exists)
                {
                    throw new IngestionException(IngestionErrorKind.NotFound, $"{request.Source}: file not found.");
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                throw new IngestionException(IngestionErrorKind.NotFound, $"{request.Source}: cannot open the file ({e.Message}).", e);
            }

            if (info.Length > _options.MaxDocumentBytes)
            {
                throw TooLarge(request.Source, info.Length);
            }

            try
            {
                content = await File.ReadAllBytesAsync(path, cancellationToken);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new IngestionException(IngestionErrorKind.NotFound, $"{request.Source}: cannot read the file ({e.Message}).", e);
            }

            if (content.Length > _options.MaxDocumentBytes)
            {
                throw TooLarge(request.Source, content.Length);
            }
        }
        else
        {
            throw new IngestionException(IngestionErrorKind.NotFound, $"{request.Source}: the request has neither content nor a file path.");
        }

        if (content.Length == 0)
        {
            throw new IngestionException(IngestionErrorKind.Empty, $"{request.Source}: the file is empty.");
        }

        return content;
    }

    private IngestionException TooLarge(string source, long length) =>
        new(IngestionErrorKind.TooLarge, $"{source}: {length:N0} bytes is over the limit of {_options.MaxDocumentBytes:N0} bytes.");

    private async Task<ReadOnlyMemory<float>[]> EmbedAsync(string title, IReadOnlyList<TextChunk> chunks, EmbeddingModelInfo model, string source, CancellationToken cancellationToken)
    {
        var inputs = chunks.Select(c => EmbeddingInput(title, c)).ToList();
        var vectors = new ReadOnlyMemory<float>[inputs.Count];
        var batch = Math.Max(1, _options.EmbeddingBatchSize);
        for (var start = 0; start < inputs.Count; start += batch)
        {
            var slice = inputs.GetRange(start, Math.Min(batch, inputs.Count - start));
            GeneratedEmbeddings<Embedding<float>> generated;
            try
            {
                generated = await _embedder.GenerateAsync(slice, cancellationToken: cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw new IngestionException(IngestionErrorKind.EmbeddingFailed, $"{source}: the embedding generator failed ({e.Message}).", e);
            }

            if (generated.Count != slice.Count)
            {
                throw new IngestionException(IngestionErrorKind.EmbeddingFailed, $"{source}: the embedding generator returned {generated.Count} embeddings for {slice.Count} inputs.");
            }

            for (var i = 0; i < generated.Count; i++)
            {
                vectors[start + i] = CheckedVector(generated[i], model);
            }
        }

        return vectors;
    }

    private string EmbeddingInput(string title, TextChunk chunk)
    {
        if (!_options.EmbedTitleAndHeading)
        {
            return chunk.Text;
        }

        var prefix = chunk.Heading is null || chunk.Heading == title ? title : $"{title} > {chunk.Heading}";
        return string.IsNullOrWhiteSpace(prefix) ? chunk.Text : $"{prefix}\n{chunk.Text}";
    }
}
