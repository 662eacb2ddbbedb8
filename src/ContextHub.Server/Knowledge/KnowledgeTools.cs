using System.ComponentModel;
using ContextHub.Knowledge;
using ContextHub.Knowledge.Filters;
using ContextHub.Knowledge.Ingestion;
using ContextHub.Knowledge.Search;
using ContextHub.Messaging;
using ContextHub.Storage.PubSub;
using ContextHub.Tools;

namespace ContextHub.Server.Knowledge;

/// <summary>
/// The knowledge store as MCP tools: <c>search</c> and <c>fetch</c> in the shape deep-research clients expect
/// (results with id, title, url; a document with id, title, text, url, metadata), plus <c>ingest</c> and <c>delete</c>.
/// </summary>
[McpToolType]
public static class KnowledgeTools
{
    [McpTool("search", Title = "Search the knowledge base", ReadOnly = true, Idempotent = true)]
    [Description("Searches the knowledge base and returns the best matching documents with a highlighted snippet each. Use fetch with a result's id for the full text.")]
    public static async Task<SearchResults> SearchAsync(KnowledgeHost knowledge, McpCallContext context,
        [Description("What to look for, in plain words.")] string query,
        [Description("How many results (1-50).")] int limit = 10,
        [Description("hybrid (default: words and meaning), fulltext (exact words, BM25) or vector (meaning).")] string mode = "hybrid",
        [Description("Only documents carrying one of these tags.")] string[]? tags = null,
        [Description("Only documents from this source.")] string? source = null)
    {
        if (limit is < 1 or > 50)
        {
            throw new ArgumentException("limit must be from 1 to 50.");
        }

        var request = new SearchRequest
        {
            Query = query,
            Limit = limit,
            Mode = ParseMode(mode),
            Filter = Filter(tags, source),
        };
        var hits = await knowledge.Service.SearchAsync(request, context.CancellationToken);
        return new SearchResults([.. hits.Select(h => new SearchResultItem(h.DocumentId, h.Title, h.ResourceUri, h.Snippet, Math.Round(h.Score, 6), h.Source))]);
    }

    [McpTool("fetch", Title = "Fetch a document", ReadOnly = true, Idempotent = true)]
    [Description("Returns the full text and metadata of a knowledge-base document, by the id search returned.")]
    public static async Task<FetchedDocument> FetchAsync(KnowledgeHost knowledge, McpCallContext context,
        [Description("The document id (from search results).")] string id)
    {
        var document = await knowledge.Service.GetDocumentAsync(id, context.CancellationToken)
            ?? throw new ArgumentException($"No document with id '{id}'. Use search to find ids.");
        var chunks = await knowledge.Service.GetChunksAsync(id, context.CancellationToken);
        var metadata = new Dictionary<string, string>(document.Metadata)
        {
            ["source"] = document.Source,
            ["mimeType"] = document.MimeType,
            ["updatedAt"] = document.UpdatedAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        };
        if (document.Tags.Count > 0)
        {
            metadata["tags"] = string.Join(",", document.Tags);
        }

        return new FetchedDocument(document.Id, document.Title, JoinChunks(chunks), document.ResourceUri, metadata);
    }

    [McpTool("ingest", Title = "Add a document to the knowledge base")]
    [Description("Adds (or replaces) one document from its text. The same text under another source is refused as a duplicate; the same source with new text replaces the old one.")]
    public static async Task<IngestOutcome> IngestAsync(KnowledgeHost knowledge, INotificationBus bus, McpCallContext context,
        [Description("Where the document comes from (a path or URL); names it and gives its id.")] string source,
        [Description("The content.")] string text,
        [Description("The document's title; by default taken from the content.")] string? title = null,
        [Description("text/plain (default), text/markdown, text/html or application/json.")] string? mimeType = null,
        [Description("Tags to filter searches by.")] string[]? tags = null)
    {
        var request = IngestionRequest.FromText(source, text, mimeType ?? MimeTypes.FromFileName(source) ?? MimeTypes.PlainText) with
        {
            Title = title,
            Tags = tags ?? [],
        };
        var result = await knowledge.Service.IngestAsync(request, context.CancellationToken);
        await context.ReportProgressAsync(1, 1, result.ToString());
        if (result.Status is IngestionStatus.Added or IngestionStatus.Updated)
        {
            await AnnounceAsync(bus, result.DocumentId!);
        }

        return result.Succeeded
            ? new IngestOutcome(result.DocumentId, result.Status.ToString().ToLowerInvariant(), result.ChunkCount, null, result.DuplicateOf)
            : throw new ArgumentException($"Could not ingest '{source}' ({result.ErrorKind}): {result.Error}");
    }

    [McpTool("ingest_many", Title = "Add many documents to the knowledge base")]
    [Description("Adds (or replaces) several documents, reporting progress after each one. A document that fails is reported and the others go on.")]
    public static async Task<IngestManyOutcome> IngestManyAsync(KnowledgeHost knowledge, INotificationBus bus, McpCallContext context,
        [Description("The documents: each with source and text, and optionally title, mimeType and tags.")] IngestDocument[] documents)
    {
        if (documents.Length is 0 or > 1000)
        {
            throw new ArgumentException("documents must hold 1 to 1000 documents.");
        }

        var requests = documents.Select(d => IngestionRequest.FromText(d.Source, d.Text, d.MimeType ?? MimeTypes.FromFileName(d.Source) ?? MimeTypes.PlainText) with
        {
            Title = d.Title,
            Tags = d.Tags ?? [],
        }).ToList();
        var outcomes = new List<IngestOutcome>(requests.Count);
        foreach (var request in requests)
        {
            var result = await knowledge.Service.IngestAsync(request, context.CancellationToken);
            outcomes.Add(new IngestOutcome(result.DocumentId, result.Status.ToString().ToLowerInvariant(), result.ChunkCount, result.Error, result.DuplicateOf));
            await context.ReportProgressAsync(outcomes.Count, requests.Count, result.ToString());
        }

        if (outcomes.Any(o => o.Status is "added" or "updated"))
        {
            await bus.PublishAsync(new ServerEvent(ServerEventKind.ResourcesListChanged));
        }

        return new IngestManyOutcome(outcomes);
    }

    [McpTool("delete", Title = "Remove a document from the knowledge base", Destructive = true, Idempotent = true)]
    [Description("Removes a document and all its chunks from every index.")]
    public static async Task<DeleteOutcome> DeleteAsync(KnowledgeHost knowledge, INotificationBus bus, McpCallContext context,
        [Description("The document id.")] string id)
    {
        var deleted = await knowledge.Service.DeleteDocumentAsync(id, context.CancellationToken);
        if (deleted)
        {
            await AnnounceAsync(bus, id);
        }

        return new DeleteOutcome(id, deleted);
    }

    [McpTool("tool_calls", Title = "Recent tool calls", ReadOnly = true)]
    [Description("Lists recorded tool calls, newest first: who called which tool, how long it took, how it went, and a short result.")]
    public static async Task<ToolCallList> ToolCallsAsync(KnowledgeHost knowledge, McpCallContext context,
        [Description("Only calls of this tool.")] string? tool = null,
        [Description("Only calls by this caller (identity@transport).")] string? caller = null,
        [Description("Only success, error, cancelled or timedout calls.")] string? outcome = null,
        [Description("Only calls since this time (ISO 8601).")] DateTimeOffset? since = null,
        [Description("How many (1-500).")] int limit = 50)
    {
        if (limit is < 1 or > 500)
        {
            throw new ArgumentException("limit must be from 1 to 500.");
        }

        ToolCallOutcome? wanted = outcome is null ? null
            : Enum.TryParse<ToolCallOutcome>(outcome, ignoreCase: true, out var parsed) ? parsed
            : throw new ArgumentException($"outcome '{outcome}' is not one of success, error, cancelled, timedout.");
        var records = await knowledge.Service.Store.Metadata.GetToolCallsAsync(
            new ToolCallQuery { Tool = tool, Caller = caller, Outcome = wanted, Since = since, Limit = limit }, context.CancellationToken);
        return new ToolCallList([.. records.Select(r => new ToolCallEntry(r.Timestamp, r.Caller, r.Tool, r.Outcome.ToString().ToLowerInvariant(),
            Math.Round(r.Duration.TotalMilliseconds, 3), r.ArgumentsHash, r.Result, r.SessionId))]);
    }

    internal static SearchMode ParseMode(string mode) => mode.ToLowerInvariant() switch
    {
        "hybrid" => SearchMode.Hybrid,
        "fulltext" or "full-text" or "text" => SearchMode.FullText,
        "vector" or "semantic" => SearchMode.Vector,
        _ => throw new ArgumentException($"mode '{mode}' is not one of hybrid, fulltext, vector."),
    };

    internal static MetadataFilter? Filter(string[]? tags, string? source)
    {
        var parts = new List<MetadataFilter>();
        if (tags is { Length: > 0 })
        {
            parts.Add(MetadataFilter.In(DocumentFields.Tags, [.. tags.Select(t => (FilterValue)t)]));
        }

        if (!string.IsNullOrEmpty(source))
        {
            parts.Add(MetadataFilter.Equal(DocumentFields.Source, source));
        }

        return parts.Count switch
        {
            0 => null,
            1 => parts[0],
            _ => MetadataFilter.And([.. parts]),
        };
    }

    internal static string JoinChunks(IReadOnlyList<Chunk> chunks) => string.Join("\n\n", chunks.OrderBy(c => c.Ordinal).Select(c => c.Text));

    private static async Task AnnounceAsync(INotificationBus bus, string documentId)
    {
        await bus.PublishAsync(new ServerEvent(ServerEventKind.ResourcesListChanged));
        await bus.PublishAsync(new ServerEvent(ServerEventKind.ResourceUpdated, KnowledgeUris.Document(documentId)));
    }
}

public sealed record SearchResults(
    [property: Description("Best first.")] IReadOnlyList<SearchResultItem> Results);

public sealed record SearchResultItem(
    [property: Description("The document id, for fetch.")] string Id,
    string Title,
    [property: Description("The document's resource URI (kb://documents/{id}).")] string Url,
    [property: Description("An excerpt with the matched words between ** marks.")] string Snippet,
    double Score,
    string Source);

public sealed record FetchedDocument(string Id, string Title, string Text, string Url, IReadOnlyDictionary<string, string> Metadata);

public sealed record IngestOutcome(string? Id, string Status, int Chunks, string? Error, string? DuplicateOf);

public sealed record DeleteOutcome(string Id, bool Deleted);

public sealed record ToolCallList(IReadOnlyList<ToolCallEntry> Calls);

public sealed record ToolCallEntry(DateTimeOffset Timestamp, string Caller, string Tool, string Outcome, double DurationMs,
    [property: Description("SHA-256 of the arguments: equal calls share it.")] string ArgumentsHash, string? Result, string? SessionId);

public sealed record IngestManyOutcome([property: Description("One outcome per document, in order; failed ones carry an error.")] IReadOnlyList<IngestOutcome> Documents);

/// <summary>One document to ingest.</summary>
public sealed record IngestDocument(
    [property: Description("Where the document comes from; names it and gives its id.")] string Source,
    [property: Description("The content.")] string Text,
    [property: Description("The title; by default taken from the content.")] string? Title = null,
    [property: Description("text/plain (default), text/markdown, text/html or application/json.")] string? MimeType = null,
    [property: Description("Tags to filter searches by.")] string[]? Tags = null);
