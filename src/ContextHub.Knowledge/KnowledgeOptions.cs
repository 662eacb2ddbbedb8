using ContextHub.Knowledge.Ingestion;

namespace ContextHub.Knowledge;

/// <summary>How documents are ingested and searched, whatever the backend; bound from <see cref="Section"/>.</summary>
public sealed class KnowledgeOptions
{
    /// <summary>The configuration section these settings are bound from.</summary>
    public const string Section = "ContextHub:Knowledge";

    /// <summary>How documents are cut into chunks (<c>Chunking:ChunkSize</c>, <c>Chunking:Overlap</c>, <c>Chunking:Unit</c>).</summary>
    public ChunkingOptions Chunking { get; set; } = new();

    /// <summary>Files larger than this are refused (<see cref="IngestionErrorKind.TooLarge"/>). Default 25 MiB.</summary>
    public long MaxDocumentBytes { get; set; } = 25L * 1024 * 1024;

    /// <summary>How many chunks go to the embedding generator in one call.</summary>
    public int EmbeddingBatchSize { get; set; } = 32;

    /// <summary>How many candidates each of full-text and vector search contributes to a hybrid search (at least the limit).</summary>
    public int HybridCandidates { get; set; } = 50;

    /// <summary>The k of reciprocal rank fusion.</summary>
    public int RrfK { get; set; } = Search.ReciprocalRankFusion.DefaultK;

    /// <summary>
    /// The embedding model's id as recorded in the store; by default the generator's own
    /// <c>EmbeddingGeneratorMetadata.DefaultModelId</c>.
    /// </summary>
    public string? EmbeddingModelId { get; set; }

    /// <summary>Put the document title and heading before a chunk's text when embedding it (the stored text is unchanged).</summary>
    public bool EmbedTitleAndHeading { get; set; } = true;
}
