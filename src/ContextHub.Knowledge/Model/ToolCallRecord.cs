namespace ContextHub.Knowledge;

public enum ToolCallOutcome
{
    Success,
    Error,
    Cancelled,
    TimedOut,
}

/// <summary>One finished tool call: who called which tool, with what (hashed), how it went.</summary>
public sealed record ToolCallRecord
{
    public string Id { get; init; } = Guid.NewGuid().ToString("N");

    public required string Caller { get; init; }

    public required string Tool { get; init; }

    /// <summary>Hash of the canonical arguments, so equal calls can be grouped without storing arguments.</summary>
    public string ArgumentsHash { get; init; } = "";

    public TimeSpan Duration { get; init; }

    public ToolCallOutcome Outcome { get; init; }

    /// <summary>A short form of the result (the store keeps at most <see cref="MaxResultLength"/> characters).</summary>
    public string? Result { get; init; }

    public DateTimeOffset Timestamp { get; init; }

    /// <summary>Optional session or correlation id linking calls of one conversation.</summary>
    public string? SessionId { get; init; }

    public const int MaxResultLength = 1000;

    /// <summary>The record with <see cref="Result"/> cut to <see cref="MaxResultLength"/> characters.</summary>
    public ToolCallRecord Truncated() =>
        Result is { Length: > MaxResultLength } r ? this with { Result = r[..(MaxResultLength - 1)] + "…" } : this;
}

/// <summary>Which tool calls to read back; every set property narrows the query.</summary>
public sealed record ToolCallQuery
{
    public string? Caller { get; init; }

    public string? Tool { get; init; }

    public string? SessionId { get; init; }

    public ToolCallOutcome? Outcome { get; init; }

    public DateTimeOffset? Since { get; init; }

    public DateTimeOffset? Until { get; init; }

    /// <summary>Newest first, at most this many.</summary>
    public int Limit { get; init; } = 100;
}

/// <summary>A source and the documents that came from it.</summary>
public sealed record SourceSummary(string Source, int DocumentCount, DateTimeOffset LastUpdated);

/// <summary>The embedding model an index was built with.</summary>
public sealed record EmbeddingModelInfo(string ModelId, int Dimensions)
{
    public override string ToString() => $"'{ModelId}' ({Dimensions} dimensions)";
}

/// <summary>Counts of what a store holds.</summary>
public sealed record KnowledgeStoreStats(long Documents, long Chunks, long ToolCalls, EmbeddingModelInfo? EmbeddingModel);
