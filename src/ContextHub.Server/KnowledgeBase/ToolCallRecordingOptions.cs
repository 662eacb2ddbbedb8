namespace ContextHub.Server.KnowledgeBase;

/// <summary>How tool-call records travel from a call to the store, bound from <c>ContextHub:Knowledge:ToolCallRecording</c>.</summary>
public sealed class ToolCallRecordingOptions
{
    /// <summary>Records waiting to be written, at most; past this a record is dropped and counted (a log line and <c>contexthub.tool_call_records.dropped</c>).</summary>
    public int QueueCapacity { get; set; } = 100_000;

    /// <summary>How often the queued records are written, each write one transaction; a crash loses at most this much of the record.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    internal void Validate(string section, List<string> failures)
    {
        if (QueueCapacity is < 1 or > 10_000_000)
        {
            failures.Add($"{section}:QueueCapacity is {QueueCapacity}; use 1 to 10000000 (records waiting to be written).");
        }

        if (FlushInterval <= TimeSpan.Zero || FlushInterval > TimeSpan.FromMinutes(1))
        {
            failures.Add($"{section}:FlushInterval is {FlushInterval}; use more than 00:00:00 and at most 00:01:00, e.g. 00:00:00.5.");
        }
    }
}

/// <summary>How long tool-call records are kept, bound from <c>ContextHub:Knowledge:ToolCallRetention</c>; the oldest go first.</summary>
public sealed class ToolCallRetentionOptions
{
    /// <summary>Records older than this are deleted; <c>00:00:00</c> keeps them regardless of age.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(30);

    /// <summary>At most this many records are kept (the newest); 0 keeps any number.</summary>
    public long MaxCount { get; set; } = 1_000_000;

    /// <summary>How often the old records are looked for; they are deleted in small steps between writes.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(1);

    internal void Validate(string section, List<string> failures)
    {
        if (MaxAge < TimeSpan.Zero)
        {
            failures.Add($"{section}:MaxAge is {MaxAge}; use 00:00:00 (no age limit) or a positive time span, e.g. 30.00:00:00.");
        }

        if (MaxCount < 0)
        {
            failures.Add($"{section}:MaxCount is {MaxCount}; use 0 (no count limit) or a positive number, e.g. 1000000.");
        }

        if (Interval <= TimeSpan.Zero)
        {
            failures.Add($"{section}:Interval is {Interval}; use a positive time span, e.g. 00:01:00.");
        }
    }
}
