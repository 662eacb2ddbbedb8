using System.Text.Json;
using System.Text.Json.Nodes;
using ContextHub.Server.KnowledgeBase;
using GraphQL;
using GraphQL.Types;
using ModelContextProtocol.Protocol;

namespace ContextHub.Server.Gateway.GraphQL;

/// <summary>
/// The knowledge store in the schema. Each field calls the knowledge tools (<c>search</c>, <c>fetch</c>, <c>ingest</c>,
/// <c>delete</c>) through the Message Manager, like every other door; a tool error becomes a GraphQL error (TOOL_ERROR).
/// </summary>
internal static class KnowledgeFields
{
    public static void AddKnowledgeQueries(this ObjectGraphType query)
    {
        query.Field<NonNullGraphType<ListGraphType<NonNullGraphType<KnowledgeHitGraphType>>>>("search")
            .Description("Searches the knowledge base (the search tool): best documents first, each with a highlighted snippet.")
            .Argument<NonNullGraphType<StringGraphType>>("query", "What to look for, in plain words.")
            .Argument<IntGraphType>("limit", "How many results (1-50, default 10).")
            .Argument<StringGraphType>("mode", "hybrid (default), fulltext or vector.")
            .Argument<ListGraphType<NonNullGraphType<StringGraphType>>>("tags", "Only documents carrying one of these tags.")
            .Argument<StringGraphType>("source", "Only documents from this source.")
            .ResolveAsync(async ctx => (await ToolAsync(ctx, "search", Arguments(ctx, "query", "limit", "mode", "tags", "source")))!.Value.Items("results").ToList());
        query.Field<KnowledgeDocumentGraphType>("document")
            .Description("A knowledge-base document with its full text (the fetch tool); null when there is none.")
            .Argument<NonNullGraphType<StringGraphType>>("id", "The document id.")
            .ResolveAsync(async ctx => await ToolAsync(ctx, "fetch", Arguments(ctx, "id"), nullOnToolError: true));
    }

    public static void AddKnowledgeMutations(this ObjectGraphType mutation)
    {
        mutation.Field<NonNullGraphType<IngestOutcomeGraphType>>("ingestDocument")
            .Description("Adds or replaces a document from its text, or from its bytes in base64 for binary formats such as PDF (the ingest tool).")
            .Argument<NonNullGraphType<StringGraphType>>("source", "Where the document comes from; names it and gives its id.")
            .Argument<StringGraphType>("text", "The content as text (give text or data, not both).")
            .Argument<StringGraphType>("data", "The content's bytes in base64, for binary formats such as PDF.")
            .Argument<StringGraphType>("title", "The title; by default taken from the content.")
            .Argument<StringGraphType>("mimeType", KnowledgeTools.MimeTypeDescription)
            .Argument<ListGraphType<NonNullGraphType<StringGraphType>>>("tags", "Tags to filter searches by.")
            .ResolveAsync(async ctx => await ToolAsync(ctx, "ingest", Arguments(ctx, "source", "text", "data", "title", "mimeType", "tags")));
        mutation.Field<NonNullGraphType<BooleanGraphType>>("deleteDocument")
            .Description("Removes a document from every index (the delete tool); false when there was none.")
            .Argument<NonNullGraphType<StringGraphType>>("id", "The document id.")
            .ResolveAsync(async ctx => (await ToolAsync(ctx, "delete", Arguments(ctx, "id")))!.Value.Flag("deleted"));
    }

    private static JsonObject Arguments(IResolveFieldContext context, params string[] names)
    {
        var arguments = new JsonObject();
        foreach (var name in names)
        {
            if (context.HasArgument(name) && context.GetArgument<object?>(name) is { } value)
            {
                arguments[name] = JsonGraphType.ToNode(value);
            }
        }

        return arguments;
    }

    private static async Task<JsonElement?> ToolAsync(IResolveFieldContext context, string tool, JsonObject arguments, bool nullOnToolError = false)
    {
        var result = await Engine.CallAsync(context, RequestMethods.ToolsCall, new JsonObject { ["name"] = tool, ["arguments"] = arguments });
        if (result.Flag("isError"))
        {
            return nullOnToolError ? null : throw new ExecutionError(result.Items("content").JoinedText() ?? $"The {tool} tool failed.") { Code = "TOOL_ERROR" };
        }

        return result.Get("structuredContent");
    }
}

public sealed class KnowledgeHitGraphType : ObjectGraphType<JsonElement>
{
    public KnowledgeHitGraphType()
    {
        Name = "KnowledgeHit";
        Description = "A search result: a document, the best snippet in it, and its score.";
        this.Str("id", "The document id.", nonNull: true);
        this.Str("title", "The document's title.");
        this.Str("url", "The document's resource URI (kb://documents/{id}).", nonNull: true);
        this.Str("snippet", "An excerpt with the matched words between ** marks.");
        this.Str("source", "Where the document comes from.");
        Field<NonNullGraphType<FloatGraphType>>("score").Description("Higher is better.").Resolve(ctx => ctx.Source.Get("score").GetDouble());
    }
}

public sealed class KnowledgeDocumentGraphType : ObjectGraphType<JsonElement>
{
    public KnowledgeDocumentGraphType()
    {
        Name = "KnowledgeDocument";
        Description = "A knowledge-base document with its full text.";
        this.Str("id", "The document id.", nonNull: true);
        this.Str("title", "The title.");
        this.Str("text", "The full text.", nonNull: true);
        this.Str("url", "The resource URI (kb://documents/{id}).", nonNull: true);
        this.Json("metadata", "Source, MIME type, tags, time of the last update, and free-form metadata.");
    }
}

public sealed class IngestOutcomeGraphType : ObjectGraphType<JsonElement>
{
    public IngestOutcomeGraphType()
    {
        Name = "IngestOutcome";
        Description = "What ingesting one document did.";
        this.Str("id", "The document id.");
        this.Str("status", "added, updated, unchanged or duplicate.", nonNull: true);
        Field<NonNullGraphType<IntGraphType>>("chunks").Description("How many chunks the document has.").Resolve(ctx => ctx.Source.Get("chunks").GetInt32());
        this.Str("duplicateOf", "For a duplicate: the document that already has this content.");
    }
}
