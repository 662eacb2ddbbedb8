namespace ContextHub.Knowledge;

/// <summary>A document in the knowledge store. Its text lives in its <see cref="Chunk"/>s.</summary>
public sealed record Document
{
    /// <summary>Stable id; re-ingesting the same id replaces the document and its chunks.</summary>
    public required string Id { get; init; }

    /// <summary>Where the document came from (a path, a URL, a connector name).</summary>
    public required string Source { get; init; }

    public string Title { get; init; } = "";

    public string MimeType { get; init; } = "text/plain";

    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Free-form string attributes, filterable as <c>metadata.{key}</c>.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = EmptyMetadata;

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Lower-case hex SHA-256 of the document's raw content.</summary>
    public required string ContentHash { get; init; }

    /// <summary>How many chunks the document was split into (filled in by the store).</summary>
    public int ChunkCount { get; init; }

    /// <summary>The resource URI of this document: <c>kb://documents/{id}</c>.</summary>
    public string ResourceUri => KnowledgeUris.Document(Id);

    internal static readonly IReadOnlyDictionary<string, string> EmptyMetadata = new Dictionary<string, string>();
}

/// <summary>A piece of a document: what is indexed and searched.</summary>
public sealed record Chunk
{
    public required string Id { get; init; }

    public required string DocumentId { get; init; }

    /// <summary>0-based position in the document.</summary>
    public int Ordinal { get; init; }

    public required string Text { get; init; }

    /// <summary>The heading path the chunk sits under ("Setup > Linux"), when the format has headings.</summary>
    public string? Heading { get; init; }

    /// <summary>The chunk's embedding (normalized), of the store's recorded dimension.</summary>
    public ReadOnlyMemory<float> Embedding { get; init; }

    /// <summary>The document's metadata, filled in when a chunk is read back from a store.</summary>
    public Document? Document { get; init; }

    /// <summary>The id of chunk <paramref name="ordinal"/> of document <paramref name="documentId"/>.</summary>
    public static string MakeId(string documentId, int ordinal) => $"{documentId}#{ordinal}";
}

/// <summary>Resource URIs of knowledge-store entities.</summary>
public static class KnowledgeUris
{
    public const string DocumentPrefix = "kb://documents/";

    public static string Document(string documentId) => DocumentPrefix + Uri.EscapeDataString(documentId);

    /// <summary>The document id of a <c>kb://documents/{id}</c> URI, or null when it is not one.</summary>
    public static string? TryParseDocument(string uri) =>
        uri.StartsWith(DocumentPrefix, StringComparison.Ordinal) && uri.Length > DocumentPrefix.Length
            ? Uri.UnescapeDataString(uri[DocumentPrefix.Length..])
            : null;
}
