namespace ContextHub.Knowledge.Indexes;

/// <summary>
/// A store's bulk way in for tool-call records: it reads each row straight from the writer's buffer, so recording a
/// call costs no <see cref="ToolCallRecord"/>, id or formatted text per call. A store that has it is written through
/// it; any other through <see cref="IMetadataIndex.RecordToolCallsAsync"/>. Reading, counting and retention stay on
/// <see cref="IMetadataIndex"/>.
/// </summary>
public interface IToolCallLog
{
    /// <summary>Appends every row of <paramref name="rows"/> in one transaction (all or none); returns how many.</summary>
    int AppendToolCalls(IToolCallRows rows);
}

/// <summary>A batch of tool-call rows, read once each, in order.</summary>
public interface IToolCallRows
{
    int Count { get; }

    ToolCallRow this[int index] { get; }
}

/// <summary>One tool call as the writer holds it; the spans point into the writer's buffer and live as long as the read.</summary>
public readonly ref struct ToolCallRow
{
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>Who called, e.g. <c>anonymous@streamablehttp</c>.</summary>
    public required string Caller { get; init; }

    public required string Tool { get; init; }

    public ToolCallOutcome Outcome { get; init; }

    public TimeSpan Duration { get; init; }

    /// <summary>SHA-256 of the arguments (32 bytes).</summary>
    public ReadOnlySpan<byte> ArgumentsHash { get; init; }

    /// <summary>A short form of the result; the store keeps at most <see cref="ToolCallRecord.MaxResultLength"/> characters.</summary>
    public ReadOnlySpan<char> Result { get; init; }

    public string? SessionId { get; init; }
}
