using System.Security.Cryptography;
using ContextHub.Knowledge.Ingestion;
using Microsoft.Extensions.AI;

namespace ContextHub.Knowledge;

// Ingestion: read, extract, chunk, embed and write documents, skipping unchanged ones.
public sealed partial class KnowledgeService
{
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
