using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using ContextHub.Protocol;
using ContextHub.Server.KnowledgeBase;
using Microsoft.AspNetCore.Mvc;

namespace ContextHub.Server.Gateway.Rest;

/// <summary>
/// <c>/knowledge</c>: search, read, add and remove knowledge-base documents. Each endpoint calls a knowledge tool
/// (<c>search</c>, <c>fetch</c>, <c>ingest</c>, <c>delete</c>) through the Message Manager; a tool error becomes a problem.
/// </summary>
internal static class KnowledgeEndpoints
{
    private const string UploadFileField = "file";

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
            .WithDescription("Ingests a document: as JSON with its text (or its bytes in base64 as data), or uploaded as multipart/form-data with a file part named file (PDF, Markdown, HTML, JSON or text) and optional fields source (default: the file name), title, mimeType (default: the part's type, else the file's extension) and tags (repeated). The same source with new content replaces the old document; the same content under another source is reported as a duplicate.")
            .AcceptsJson<IngestDocumentRequest>("The document.", required: true)
            .AcceptsUpload(UploadFileField, "The file (PDF, Markdown, HTML, JSON or text).", new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["source"] = "Where the document comes from; by default the file name.",
                ["title"] = "The title; by default taken from the content.",
                ["mimeType"] = "The format; by default the file part's type, else the file's extension.",
            }, ("tags", "Tags to filter searches by (repeat the field for several)."))
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
        [FromQuery, Description("Only documents carrying one of these tags.")] string[]? tag = null,
        [Description("Only documents from this source.")] string? source = null)
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
        var arguments = RestRequests.IsMultipartForm(context)
            ? UploadArguments(await RestRequests.ReadFormBodyAsync(context))
            : await RestRequests.ReadJsonBodyAsync(context) as JsonObject
                ?? throw McpErrorException.InvalidParams("the body must be an object with source and text (or data)", "body");
        return Json(await ToolAsync(context, "ingest", arguments, McpErrorKind.InvalidParams));
    }

    /// <summary>The ingest tool's arguments for an uploaded file: its bytes as data (base64), the form fields beside them.</summary>
    private static JsonObject UploadArguments(IFormCollection form)
    {
        var file = form.Files.GetFile(UploadFileField)
            ?? throw McpErrorException.InvalidParams($"the form has no file part named '{UploadFileField}'", UploadFileField);
        var source = form["source"].FirstOrDefault() is { Length: > 0 } named ? named : Path.GetFileName(file.FileName);
        if (string.IsNullOrWhiteSpace(source))
        {
            throw McpErrorException.InvalidParams("give a source field, or a file name in the file part", "source");
        }

        var content = new byte[file.Length];
        using (var stream = file.OpenReadStream())
        {
            stream.ReadExactly(content);
        }

        var arguments = new JsonObject { ["source"] = source, ["data"] = Convert.ToBase64String(content) };
        if (form["title"].FirstOrDefault() is { Length: > 0 } title)
        {
            arguments["title"] = title;
        }

        // A generic part type says nothing of the format: the tool then goes by the source's extension.
        var mimeType = form["mimeType"].FirstOrDefault() is { Length: > 0 } given ? given
            : file.ContentType is { Length: > 0 } partType && !partType.StartsWith("application/octet-stream", StringComparison.OrdinalIgnoreCase) ? partType.Split(';')[0].Trim()
            : null;
        if (mimeType is not null)
        {
            arguments["mimeType"] = mimeType;
        }

        var tags = form["tags"].Where(t => !string.IsNullOrWhiteSpace(t)).Select(t => (JsonNode)t!).ToArray();
        if (tags.Length > 0)
        {
            arguments["tags"] = new JsonArray(tags);
        }

        return arguments;
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

/// <summary>A document to ingest, as JSON.</summary>
public sealed record IngestDocumentRequest(
    [property: Description("Where the document comes from (a path or URL); names it and gives its id.")] string Source,
    [property: Description("The content as text (give text or data, not both).")] string? Text,
    [property: Description("The content's bytes in base64, for binary formats such as PDF.")] string? Data,
    [property: Description("The title; by default taken from the content.")] string? Title,
    [property: Description(KnowledgeTools.MimeTypeDescription)] string? MimeType,
    [property: Description("Tags to filter searches by.")] IReadOnlyList<string>? Tags);
