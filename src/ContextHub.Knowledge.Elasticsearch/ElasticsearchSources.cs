using System.Globalization;
using System.Text.Json.Serialization;
using F = ContextHub.Knowledge.Elasticsearch.ElasticsearchSchema.Fields;

namespace ContextHub.Knowledge.Elasticsearch;

/// <summary>A document as stored in the documents index (and copied into each of its chunks).</summary>
internal class DocumentSource
{
    [JsonPropertyName(F.DocumentId)]
    public string DocumentId { get; set; } = "";

    [JsonPropertyName(F.Source)]
    public string Source { get; set; } = "";

    [JsonPropertyName(F.Title)]
    public string Title { get; set; } = "";

    [JsonPropertyName(F.MimeType)]
    public string MimeType { get; set; } = "";

    [JsonPropertyName(F.Tags)]
    public List<string> Tags { get; set; } = [];

    [JsonPropertyName(F.Metadata)]
    public Dictionary<string, string> Metadata { get; set; } = [];

    [JsonPropertyName(F.CreatedAt)]
    public string CreatedAt { get; set; } = "";

    [JsonPropertyName(F.UpdatedAt)]
    public string UpdatedAt { get; set; } = "";

    [JsonPropertyName(F.ContentHash)]
    public string ContentHash { get; set; } = "";

    /// <summary>Which write of the document this is: its chunks carry the same number.</summary>
    [JsonPropertyName(F.Generation)]
    public long Generation { get; set; }

    public void CopyFrom(Document document, long generation)
    {
        DocumentId = document.Id;
        Source = document.Source;
        Title = document.Title;
        MimeType = document.MimeType;
        Tags = [.. document.Tags];
        Metadata = new Dictionary<string, string>(document.Metadata, StringComparer.Ordinal);
        CreatedAt = ElasticsearchDates.Format(document.CreatedAt);
        UpdatedAt = ElasticsearchDates.Format(document.UpdatedAt);
        ContentHash = document.ContentHash;
        Generation = generation;
    }
}

/// <summary>The documents index's record of a document.</summary>
internal sealed class DocumentRecord : DocumentSource
{
    [JsonPropertyName(F.ChunkCount)]
    public int ChunkCount { get; set; }

    public static DocumentRecord From(Document document, int chunkCount, long generation)
    {
        var record = new DocumentRecord { ChunkCount = chunkCount };
        record.CopyFrom(document, generation);
        return record;
    }

    public Document ToDocument() => new()
    {
        Id = DocumentId,
        Source = Source,
        Title = Title,
        MimeType = MimeType,
        Tags = Tags ?? [],
        Metadata = Metadata ?? [],
        CreatedAt = ElasticsearchDates.Parse(CreatedAt),
        UpdatedAt = ElasticsearchDates.Parse(UpdatedAt),
        ContentHash = ContentHash,
        ChunkCount = ChunkCount,
    };
}

/// <summary>A chunk as stored in the chunks index, with its document's fields for filtering.</summary>
internal sealed class ChunkRecord : DocumentSource
{
    [JsonPropertyName(F.ChunkId)]
    public string ChunkId { get; set; } = "";

    [JsonPropertyName(F.Ordinal)]
    public int Ordinal { get; set; }

    [JsonPropertyName(F.Heading)]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Heading { get; set; }

    [JsonPropertyName(F.Text)]
    public string Text { get; set; } = "";

    /// <summary>The normalized embedding; absent for a zero vector, which cosine similarity cannot index.</summary>
    [JsonPropertyName(F.Embedding)]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public float[]? Embedding { get; set; }

    public static ChunkRecord From(Document document, Chunk chunk, long generation)
    {
        var vector = VectorMath.Normalized(chunk.Embedding);
        var record = new ChunkRecord
        {
            ChunkId = chunk.Id,
            Ordinal = chunk.Ordinal,
            Heading = chunk.Heading,
            Text = chunk.Text,
            Embedding = vector.Span.ContainsAnyExcept(0f) ? vector.ToArray() : null,
        };
        record.CopyFrom(document, generation);
        return record;
    }
}

/// <summary>A tool call as stored in the tool-calls index.</summary>
internal sealed class ToolCallSource
{
    [JsonPropertyName(F.Id)]
    public string Id { get; set; } = "";

    [JsonPropertyName(F.Caller)]
    public string Caller { get; set; } = "";

    [JsonPropertyName(F.Tool)]
    public string Tool { get; set; } = "";

    [JsonPropertyName(F.ArgumentsHash)]
    public string ArgumentsHash { get; set; } = "";

    [JsonPropertyName(F.DurationMs)]
    public double DurationMs { get; set; }

    [JsonPropertyName(F.Outcome)]
    public string Outcome { get; set; } = "";

    [JsonPropertyName(F.Result)]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Result { get; set; }

    [JsonPropertyName(F.Timestamp)]
    public string Timestamp { get; set; } = "";

    [JsonPropertyName(F.SessionId)]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? SessionId { get; set; }

    /// <summary>Orders calls with the same timestamp: later recorded, higher.</summary>
    [JsonPropertyName(F.Sequence)]
    public long Sequence { get; set; }

    public static ToolCallSource From(ToolCallRecord record, long sequence) => new()
    {
        Id = record.Id,
        Caller = record.Caller,
        Tool = record.Tool,
        ArgumentsHash = record.ArgumentsHash,
        DurationMs = record.Duration.TotalMilliseconds,
        Outcome = record.Outcome.ToString(),
        Result = record.Result,
        Timestamp = ElasticsearchDates.Format(record.Timestamp),
        SessionId = record.SessionId,
        Sequence = sequence,
    };

    public ToolCallRecord ToRecord() => new()
    {
        Id = Id,
        Caller = Caller,
        Tool = Tool,
        ArgumentsHash = ArgumentsHash,
        Duration = TimeSpan.FromMilliseconds(DurationMs),
        Outcome = Enum.TryParse<ToolCallOutcome>(Outcome, out var outcome) ? outcome : ToolCallOutcome.Error,
        Result = Result,
        Timestamp = ElasticsearchDates.Parse(Timestamp),
        SessionId = SessionId,
    };
}

/// <summary>Dates as the indices keep them: ISO 8601 in UTC with milliseconds (the precision of the date type).</summary>
internal static class ElasticsearchDates
{
    public static string Format(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static DateTimeOffset Parse(string? value) =>
        string.IsNullOrEmpty(value)
            ? default
            : DateTimeOffset.Parse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
