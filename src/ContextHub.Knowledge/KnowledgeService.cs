using System.Security.Cryptography;
using System.Text;
using ContextHub.Knowledge.Indexes;
using ContextHub.Knowledge.Ingestion;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ContextHub.Knowledge;

/// <summary>
/// The knowledge base: ingests documents into a store's three indices and searches them by full text (BM25), by vector
/// (kNN) or both (reciprocal rank fusion), under metadata filters.
/// </summary>
public sealed partial class KnowledgeService
{
    private readonly IKnowledgeStore _store;
    private readonly IEmbeddingGenerator<string, Embedding<float>> _embedder;
    private readonly KnowledgeOptions _options;
    private readonly ContentExtractors _extractors;
    private readonly TextChunker _chunker;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly EmbeddingModelBinding _binding = new("the knowledge service");

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
    public Task<EmbeddingModelInfo> InitializeAsync(CancellationToken cancellationToken = default) =>
        _binding.GetOrBindAsync(BindAsync, cancellationToken);

    private async Task<EmbeddingModelInfo> BindAsync(CancellationToken cancellationToken)
    {
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
        return model;
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
}
