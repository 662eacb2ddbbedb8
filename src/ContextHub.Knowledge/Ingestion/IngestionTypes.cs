namespace ContextHub.Knowledge.Ingestion;

/// <summary>Why one file of a batch could not be ingested.</summary>
public enum IngestionErrorKind
{
    /// <summary>The file does not exist or cannot be opened.</summary>
    NotFound,

    /// <summary>No extractor handles the file's format.</summary>
    UnsupportedFormat,

    /// <summary>The file is empty, or holds no text.</summary>
    Empty,

    /// <summary>The file is larger than the configured limit.</summary>
    TooLarge,

    /// <summary>The file is damaged or not what its format says (a broken PDF, invalid JSON, binary "text").</summary>
    Unreadable,

    /// <summary>The embedding generator failed.</summary>
    EmbeddingFailed,

    /// <summary>The store refused or failed the write (nothing of the document was written).</summary>
    StoreFailed,
}

/// <summary>A per-file ingestion failure with a message fit to show a person.</summary>
public sealed class IngestionException : Exception
{
    public IngestionException(IngestionErrorKind kind, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
    }

    public IngestionException()
    {
    }

    public IngestionException(string message) : base(message)
    {
    }

    public IngestionException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public IngestionErrorKind Kind { get; }
}

/// <summary>A run of text under one heading path.</summary>
/// <param name="Heading">The heading path ("Guide > Install"), or null before the first heading.</param>
public sealed record TextSection(string? Heading, string Text);

/// <summary>What an extractor found in a file: an optional title and the text, by section.</summary>
public sealed record ExtractedContent(string? Title, IReadOnlyList<TextSection> Sections)
{
    public bool IsEmpty => Sections.All(s => string.IsNullOrWhiteSpace(s.Text));
}

/// <summary>Turns the bytes of one format into text sections.</summary>
public interface IContentExtractor
{
    /// <summary>The MIME types this extractor reads.</summary>
    IReadOnlyCollection<string> MimeTypes { get; }

    /// <summary>Extracts text; throws <see cref="IngestionException"/> (usually <see cref="IngestionErrorKind.Unreadable"/>) for bad input.</summary>
    ExtractedContent Extract(ReadOnlyMemory<byte> content, string source);
}

/// <summary>What to ingest: the bytes (or a file) and the metadata to give the document.</summary>
public sealed record IngestionRequest
{
    /// <summary>Where the document comes from; the default document id is derived from it.</summary>
    public required string Source { get; init; }

    /// <summary>The document id; by default a stable id derived from <see cref="Source"/>.</summary>
    public string? Id { get; init; }

    public string? Title { get; init; }

    /// <summary>The format; by default guessed from the extension of <see cref="Source"/> or <see cref="FilePath"/>.</summary>
    public string? MimeType { get; init; }

    public IReadOnlyList<string> Tags { get; init; } = [];

    public IReadOnlyDictionary<string, string> Metadata { get; init; } = Document.EmptyMetadata;

    /// <summary>The content, when it is not read from <see cref="FilePath"/>.</summary>
    public ReadOnlyMemory<byte>? Content { get; init; }

    /// <summary>A file to read the content from.</summary>
    public string? FilePath { get; init; }

    public static IngestionRequest FromFile(string path, IReadOnlyList<string>? tags = null) => new()
    {
        Source = Path.GetFullPath(path),
        FilePath = Path.GetFullPath(path),
        Tags = tags ?? [],
    };

    public static IngestionRequest FromText(string source, string text, string mimeType = MimeTypes.PlainText) => new()
    {
        Source = source,
        MimeType = mimeType,
        Content = System.Text.Encoding.UTF8.GetBytes(text),
    };

    public static IngestionRequest FromBytes(string source, ReadOnlyMemory<byte> content, string? mimeType = null) => new()
    {
        Source = source,
        MimeType = mimeType,
        Content = content,
    };
}

public enum IngestionStatus
{
    /// <summary>A new document was written.</summary>
    Added,

    /// <summary>An existing document changed; its chunks were replaced.</summary>
    Updated,

    /// <summary>The document is already stored with the same content; nothing was written.</summary>
    Unchanged,

    /// <summary>Another document has the same content (see <see cref="IngestionResult.DuplicateOf"/>); nothing was written.</summary>
    Duplicate,

    /// <summary>The file could not be ingested (see <see cref="IngestionResult.ErrorKind"/>); nothing was written.</summary>
    Failed,
}

/// <summary>The outcome for one file.</summary>
public sealed record IngestionResult
{
    public required string Source { get; init; }

    public string? DocumentId { get; init; }

    public IngestionStatus Status { get; init; }

    public int ChunkCount { get; init; }

    public IngestionErrorKind? ErrorKind { get; init; }

    public string? Error { get; init; }

    public string? DuplicateOf { get; init; }

    public bool Succeeded => Status != IngestionStatus.Failed;

    public override string ToString() =>
        Status == IngestionStatus.Failed ? $"{Source}: failed ({ErrorKind}): {Error}" : $"{Source}: {Status} as {DocumentId} ({ChunkCount} chunks)";
}

/// <summary>The outcome for a batch, one result per request in order.</summary>
public sealed record IngestionBatchResult(IReadOnlyList<IngestionResult> Results)
{
    public int Count(IngestionStatus status) => Results.Count(r => r.Status == status);

    public IEnumerable<IngestionResult> Failures => Results.Where(r => r.Status == IngestionStatus.Failed);
}

/// <summary>Progress of a batch: <see cref="Completed"/> of <see cref="Total"/> done, the last one being <see cref="Last"/>.</summary>
public sealed record IngestionProgress(int Completed, int Total, IngestionResult Last);

/// <summary>The MIME types the built-in extractors read, and the file extensions that map to them.</summary>
public static class MimeTypes
{
    public const string PlainText = "text/plain";
    public const string Markdown = "text/markdown";
    public const string Html = "text/html";
    public const string Pdf = "application/pdf";
    public const string Json = "application/json";

    /// <summary>The MIME type for a file name's extension, or null when unknown.</summary>
    public static string? FromFileName(string fileName) => Path.GetExtension(fileName).ToLowerInvariant() switch
    {
        ".txt" or ".text" or ".log" or ".csv" or ".tsv" => PlainText,
        ".md" or ".markdown" or ".mdown" or ".mkd" => Markdown,
        ".html" or ".htm" or ".xhtml" => Html,
        ".pdf" => Pdf,
        ".json" => Json,
        _ => null,
    };
}
