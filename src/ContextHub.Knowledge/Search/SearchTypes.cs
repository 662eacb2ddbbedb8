using ContextHub.Knowledge.Filters;

namespace ContextHub.Knowledge.Search;

public enum SearchMode
{
    /// <summary>Full-text and vector results fused by reciprocal rank.</summary>
    Hybrid,

    /// <summary>BM25 over chunk text.</summary>
    FullText,

    /// <summary>k-nearest neighbours of the query's embedding.</summary>
    Vector,
}

public sealed record SearchRequest
{
    public required string Query { get; init; }

    public SearchMode Mode { get; init; } = SearchMode.Hybrid;

    /// <summary>How many hits to return.</summary>
    public int Limit { get; init; } = 10;

    /// <summary>Only documents matching this filter.</summary>
    public MetadataFilter? Filter { get; init; }

    /// <summary>Keep only the best chunk of each document (the default), so hits are distinct documents.</summary>
    public bool OneHitPerDocument { get; init; } = true;
}

/// <summary>One search result: a chunk of a document, with its score, a highlighted snippet and the document's URI.</summary>
public sealed record SearchHit
{
    public required string DocumentId { get; init; }

    public required string ChunkId { get; init; }

    /// <summary>BM25 (full text), cosine similarity (vector) or the reciprocal-rank-fusion score (hybrid); higher is better.</summary>
    public double Score { get; init; }

    /// <summary>An excerpt with the query's terms between <c>**</c> markers.</summary>
    public string Snippet { get; init; } = "";

    /// <summary><c>kb://documents/{id}</c>.</summary>
    public required string ResourceUri { get; init; }

    public string Title { get; init; } = "";

    public string Source { get; init; } = "";

    public string? Heading { get; init; }

    /// <summary>1-based rank in the full-text results, when the chunk was among them.</summary>
    public int? FullTextRank { get; init; }

    /// <summary>1-based rank in the vector results, when the chunk was among them.</summary>
    public int? VectorRank { get; init; }
}
