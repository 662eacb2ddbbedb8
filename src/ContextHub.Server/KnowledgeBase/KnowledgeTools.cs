using System.ComponentModel;
using ContextHub.Knowledge;
using ContextHub.Knowledge.Filters;
using ContextHub.Knowledge.Ingestion;
using ContextHub.Knowledge.Search;
using ContextHub.Messaging;
using ContextHub.Storage.PubSub;
using ContextHub.Tools;

namespace ContextHub.Server.KnowledgeBase;

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
            // The caller's access clause runs inside the store's query, so limits and scores count only what it may see.
            Filter = AccessTags.Combine(Filter(tags, source), AccessTags.VisibleTo(AccessNames(context))),
        };
        var service = await knowledge.GetServiceAsync(context.CancellationToken);
        var hits = await service.SearchAsync(request, context.CancellationToken);
        return new SearchResults([.. hits.Select(h => new SearchResultItem(h.DocumentId, h.Title, h.ResourceUri, h.Snippet, Math.Round(h.Score, 6), h.Source))]);
    }

    [McpTool("fetch", Title = "Fetch a document", ReadOnly = true, Idempotent = true)]
    [Description("Returns the full text and metadata of a knowledge-base document, by the id search returned.")]
    public static async Task<FetchedDocument> FetchAsync(KnowledgeHost knowledge, McpCallContext context,
        [Description("The document id (from search results).")] string id)
    {
        var service = await knowledge.GetServiceAsync(context.CancellationToken);
        var document = await service.GetDocumentAsync(id, context.CancellationToken) is { } found && AccessTags.IsVisible(found.Tags, AccessNames(context))
            ? found
            : throw new ArgumentException($"No document with id '{id}'. Use search to find ids.");
        var chunks = await service.GetChunksAsync(id, context.CancellationToken);
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
    [Description("Adds (or replaces) one document, from its text or, for binary formats such as PDF, its bytes in base64. The same content under another source is refused as a duplicate; the same source with new content replaces the old one.")]
    public static async Task<IngestOutcome> IngestAsync(KnowledgeHost knowledge, INotificationBus bus, McpCallContext context,
        [Description("Where the document comes from (a path or URL); names it and gives its id.")] string source,
        [Description("The content as text (give text or data, not both).")] string? text = null,
        [Description("The content's bytes in base64, for binary formats such as PDF (give text or data, not both).")] string? data = null,
        [Description("The document's title; by default taken from the content.")] string? title = null,
        [Description(MimeTypeDescription)] string? mimeType = null,
        [Description("Tags to filter searches by.")] string[]? tags = null)
    {
        var request = ToRequest(new IngestDocument(source, text, data, title, mimeType, tags));
        var service = await knowledge.GetServiceAsync(context.CancellationToken);
        var result = await service.IngestAsync(request, context.CancellationToken);
        await context.ReportProgressAsync(1, 1, result.ToString());
        if (result.Status is IngestionStatus.Added or IngestionStatus.Updated)
        {
            await AnnounceAsync(bus, result.DocumentId!);
        }

        return result.Succeeded
            ? new IngestOutcome(result.DocumentId, result.Status.ToString().ToLowerInvariant(), result.ChunkCount, null, result.DuplicateOf)
            : throw new ArgumentException($"Could not ingest '{source}' ({result.ErrorKind}): {result.Error}");
    }

    [McpTool("ingest_many", Title = "Add many documents to the knowledge base", TaskSupport = ContextHub.Tasks.ToolTaskSupport.Optional)]
    [Description("Adds (or replaces) several documents, reporting progress after each one. A document that fails is reported and the others go on.")]
    public static async Task<IngestManyOutcome> IngestManyAsync(KnowledgeHost knowledge, INotificationBus bus, McpCallContext context,
        [Description("The documents: each with source and text (or data in base64), and optionally title, mimeType and tags.")] IngestDocument[] documents)
    {
        if (documents.Length is 0 or > 1000)
        {
            throw new ArgumentException("documents must hold 1 to 1000 documents.");
        }

        var service = await knowledge.GetServiceAsync(context.CancellationToken);
        var outcomes = new List<IngestOutcome>(documents.Length);
        foreach (var document in documents)
        {
            IngestionResult result;
            try
            {
                result = await service.IngestAsync(ToRequest(document), context.CancellationToken);
            }
            catch (ArgumentException e)
            {
                // A document the tool cannot even read fails alone, like one the service refuses.
                result = new IngestionResult { Source = document.Source, Status = IngestionStatus.Failed, ErrorKind = IngestionErrorKind.Unreadable, Error = e.Message };
            }

            outcomes.Add(new IngestOutcome(result.DocumentId, result.Status.ToString().ToLowerInvariant(), result.ChunkCount, result.Error, result.DuplicateOf));
            await context.ReportProgressAsync(outcomes.Count, documents.Length, result.ToString());
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
        var service = await knowledge.GetServiceAsync(context.CancellationToken);
        var visible = await service.GetDocumentAsync(id, context.CancellationToken) is not { } found || AccessTags.IsVisible(found.Tags, AccessNames(context));
        var deleted = visible && await service.DeleteDocumentAsync(id, context.CancellationToken);
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
        var service = await knowledge.GetServiceAsync(context.CancellationToken);
        var records = await service.Store.Metadata.GetToolCallsAsync(
            new ToolCallQuery { Tool = tool, Caller = caller, Outcome = wanted, Since = since, Limit = limit }, context.CancellationToken);
        return new ToolCallList([.. records.Select(r => new ToolCallEntry(r.Timestamp, r.Caller, r.Tool, r.Outcome.ToString().ToLowerInvariant(),
            Math.Round(r.Duration.TotalMilliseconds, 3), r.ArgumentsHash, r.Result, r.SessionId))]);
    }

    /// <summary>The access names the calling request may see (null: every document), from the server's access policy.</summary>
    internal static IReadOnlyCollection<string>? AccessNames(McpCallContext context) =>
        context.Services.GetService(typeof(Gateway.Security.AccessPolicy)) is Gateway.Security.AccessPolicy policy
            ? policy.AccessNamesOf(context.Request.Caller)
            : null;

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

    internal const string MimeTypeDescription = "text/plain, text/markdown, text/html, application/json or application/pdf; by default from the source's extension, else text/plain for text.";

    /// <summary>
    /// The ingestion request for one document of the tools' arguments: exactly one of text and data (base64); the format
    /// from mimeType, else the source's extension, else (for text only) plain text. Bad arguments throw
    /// <see cref="ArgumentException"/>.
    /// </summary>
    internal static IngestionRequest ToRequest(IngestDocument document)
    {
        var (content, mimeType) = (document.Text, document.Data) switch
        {
            (not null, not null) => throw new ArgumentException($"Give either text or data for '{document.Source}', not both."),
            (null, null) => throw new ArgumentException($"Give the content of '{document.Source}' as text, or as data in base64."),
            (not null, null) => (System.Text.Encoding.UTF8.GetBytes(document.Text), document.MimeType ?? MimeTypes.FromFileName(document.Source) ?? MimeTypes.PlainText),
            // Bytes of an unnamed format are not assumed to be text: the service refuses them as an unknown format.
            (null, not null) => (DecodeBase64(document.Data, document.Source), document.MimeType),
        };
        return IngestionRequest.FromBytes(document.Source, content, mimeType) with
        {
            Title = document.Title,
            Tags = document.Tags ?? [],
        };
    }

    private static byte[] DecodeBase64(string data, string source)
    {
        try
        {
            return Convert.FromBase64String(data);
        }
        catch (FormatException)
        {
            throw new ArgumentException($"The data of '{source}' is not valid base64.");
        }
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

/// <summary>One document to ingest: its text, or its bytes in base64.</summary>
public sealed record IngestDocument(
    [property: Description("Where the document comes from; names it and gives its id.")] string Source,
    [property: Description("The content as text (give text or data, not both).")] string? Text = null,
    [property: Description("The content's bytes in base64, for binary formats such as PDF.")] string? Data = null,
    [property: Description("The title; by default taken from the content.")] string? Title = null,
    [property: Description(KnowledgeTools.MimeTypeDescription)] string? MimeType = null,
    [property: Description("Tags to filter searches by.")] string[]? Tags = null);
