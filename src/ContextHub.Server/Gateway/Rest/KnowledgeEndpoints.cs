using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using ContextHub.Protocol;
using ContextHub.Server.Knowledge;

namespace ContextHub.Server.Gateway.Rest;

/// <summary>
/// <c>/knowledge</c>: search, read, add and remove knowledge-base documents. Each endpoint calls a knowledge tool
/// (<c>search</c>, <c>fetch</c>, <c>ingest</c>, <c>delete</c>) through the Message Manager; a tool error becomes a problem.
/// </summary>
internal static class KnowledgeEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var knowledge = api.MapGroup("/knowledge").WithTags("Knowledge");

        knowledge.MapGet("/search", SearchAsync)
            .WithName("SearchKnowledge")
            .WithSummary("Search the knowledge base")
            .WithDescription("The best matching documents, each with a highlighted snippet (hybrid: words and meaning, by default).")
            .Produces<SearchResults>()
            .ProducesProblems(StatusCodes.Status400BadRequest);

        knowledge.MapGet("/documents/{id}", FetchAsync)
            .WithName("GetKnowledgeDocument")
            .WithSummary("Read a document")
            .WithDescription("A document's full text and metadata, by the id search returns.")
            .Produces<FetchedDocument>()
            .ProducesProblems(StatusCodes.Status404NotFound);

        knowledge.MapPost("/documents", (Func<HttpContext, Task<IResult>>)IngestAsync)
            .WithName("IngestKnowledgeDocument")
            .WithSummary("Add or replace a document")
            .WithDescription("Ingests a document from its text. The same source with new text replaces the old document; the same text under another source is reported as a duplicate.")
            .AcceptsJson<IngestDocumentRequest>("The document.", required: true)
            .Produces<IngestOutcome>()
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType);

        knowledge.MapDelete("/documents/{id}", DeleteAsync)
            .WithName("DeleteKnowledgeDocument")
            .WithSummary("Remove a document")
            .WithDescription("Removes the document and its chunks from every index.")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblems(StatusCodes.Status404NotFound);
    }

    private static async Task<IResult> SearchAsync(HttpContext context,
        [Description("What to look for, in plain words.")] string query,
        [Description("How many results (1-50).")] int? limit,
        [Description("hybrid, fulltext or vector.")] string? mode,
        [Description("Only documents carrying one of these tags.")] string[]? tag,
        [Description("Only documents from this source.")] string? source)
    {
        var arguments = new JsonObject { ["query"] = query };
        if (limit is { } l)
        {
            arguments["limit"] = l;
        }

        if (mode is not null)
        {
            arguments["mode"] = mode;
        }

        if (tag is { Length: > 0 })
        {
            arguments["tags"] = new JsonArray([.. tag.Select(t => (JsonNode)t)]);
        }

        if (source is not null)
        {
            arguments["source"] = source;
        }

        return Json(await ToolAsync(context, "search", arguments, McpErrorKind.InvalidParams));
    }

    private static async Task<IResult> FetchAsync(HttpContext context, [Description("The document id.")] string id) =>
        Json(await ToolAsync(context, "fetch", new JsonObject { ["id"] = id }, McpErrorKind.NotFound));

    private static async Task<IResult> IngestAsync(HttpContext context)
    {
        var body = await RestRequests.ReadJsonBodyAsync(context) as JsonObject
            ?? throw McpErrorException.InvalidParams("the body must be an object with source and text", "body");
        return Json(await ToolAsync(context, "ingest", body, McpErrorKind.InvalidParams));
    }

    private static async Task<IResult> DeleteAsync(HttpContext context, [Description("The document id.")] string id)
    {
        var outcome = await ToolAsync(context, "delete", new JsonObject { ["id"] = id }, McpErrorKind.InvalidParams);
        return outcome.GetProperty("deleted").GetBoolean()
            ? TypedResults.NoContent()
            : throw McpErrorException.NotFound($"No document with id '{id}'.", "id");
    }

    /// <summary>Calls a knowledge tool; its structured result, or its failure as an engine error of <paramref name="failureKind"/>.</summary>
    private static Task<JsonElement> ToolAsync(HttpContext context, string tool, JsonObject arguments, McpErrorKind failureKind) =>
        RestRequests.InvokeAsync(context, "tools/call", new JsonObject { ["name"] = tool, ["arguments"] = arguments }, result =>
        {
            var element = result.ToJsonElement();
            if (element.TryGetProperty("isError", out var isError) && isError.ValueKind == JsonValueKind.True)
            {
                var message = element.GetProperty("content").EnumerateArray().Select(c => c.TryGetProperty("text", out var t) ? t.GetString() : null)
                    .FirstOrDefault(t => t is not null) ?? $"The {tool} tool failed.";
                throw failureKind == McpErrorKind.NotFound
                    ? McpErrorException.NotFound(message, "id")
                    : McpErrorException.InvalidParams(message);
            }

            return element.GetProperty("structuredContent").Clone();
        });

    private static IResult Json(JsonElement body) => TypedResults.Json(body, RestJsonContext.Default.JsonElement);
}

/// <summary>A document to ingest.</summary>
public sealed record IngestDocumentRequest(
    [property: Description("Where the document comes from (a path or URL); names it and gives its id.")] string Source,
    [property: Description("The content.")] string Text,
    [property: Description("The title; by default taken from the content.")] string? Title,
    [property: Description("text/plain (default), text/markdown, text/html or application/json.")] string? MimeType,
    [property: Description("Tags to filter searches by.")] IReadOnlyList<string>? Tags);
