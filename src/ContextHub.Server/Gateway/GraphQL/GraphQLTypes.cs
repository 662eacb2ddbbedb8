using System.Text;
using System.Text.Json;
using ContextHub.Storage.PubSub;
using GraphQL;
using GraphQL.Builders;
using GraphQL.Types;

namespace ContextHub.Server.Gateway.GraphQL;

/// <summary>Reads the engine's JSON results, which are the sources of every object type of the schema.</summary>
internal static class JsonSource
{
    public static JsonElement Get(this JsonElement source, string name) =>
        source.ValueKind == JsonValueKind.Object && source.TryGetProperty(name, out var value) && value.ValueKind is not JsonValueKind.Null
            ? value : default;

    public static string? Text(this JsonElement source, string name) =>
        source.Get(name) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;

    public static object? Json(this JsonElement source, string name) =>
        source.Get(name) is { ValueKind: not JsonValueKind.Undefined } value ? value : null;

    public static bool Flag(this JsonElement source, string name) =>
        source.Get(name) is { ValueKind: JsonValueKind.True };

    public static IEnumerable<JsonElement> Items(this JsonElement source, string name) =>
        source.Get(name) is { ValueKind: JsonValueKind.Array } array ? array.EnumerateArray() : [];

    /// <summary>The text of every <c>text</c> content block, joined by new lines; null when there is none.</summary>
    public static string? JoinedText(this IEnumerable<JsonElement> blocks)
    {
        StringBuilder? text = null;
        foreach (var block in blocks)
        {
            if (block.Text("type") == "text" && block.Text("text") is { } part)
            {
                text = text is null ? new StringBuilder(part) : text.Append('\n').Append(part);
            }
        }

        return text?.ToString();
    }

    public static FieldBuilder<JsonElement, object> Str(this ObjectGraphType<JsonElement> type, string name, string description, bool nonNull = false)
    {
        var field = nonNull ? type.Field<NonNullGraphType<StringGraphType>>(name) : type.Field<StringGraphType>(name);
        return field.Description(description).Resolve(ctx => ctx.Source.Text(name));
    }

    public static FieldBuilder<JsonElement, object> Json(this ObjectGraphType<JsonElement> type, string name, string description, bool nonNull = false)
    {
        var field = nonNull ? type.Field<NonNullGraphType<JsonGraphType>>(name) : type.Field<JsonGraphType>(name);
        return field.Description(description).Resolve(ctx => ctx.Source.Json(name));
    }
}

public sealed class ToolGraphType : ObjectGraphType<JsonElement>
{
    public ToolGraphType()
    {
        Name = "Tool";
        Description = "A tool the server offers.";
        this.Str("name", "The tool's unique name.", nonNull: true);
        this.Str("title", "A human-readable title.");
        this.Str("description", "What the tool does.");
        this.Json("inputSchema", "JSON Schema of the arguments.", nonNull: true);
        this.Json("outputSchema", "JSON Schema of the structured result, when the tool declares one.");
        this.Json("annotations", "Hints about the tool's behaviour (read-only, destructive, …).");
    }
}

public sealed class CallToolResultGraphType : ObjectGraphType<JsonElement>
{
    public CallToolResultGraphType()
    {
        Name = "CallToolResult";
        Description = "What a tool call returned. A failing tool is data here (isError), not a GraphQL error.";
        this.Json("content", "The content blocks (text, image, audio, resource links, embedded resources) as MCP writes them.", nonNull: true)
            .Resolve(ctx => ctx.Source.Get("content") is { ValueKind: JsonValueKind.Array } content ? content : JsonDocument.Parse("[]").RootElement);
        Field<StringGraphType>("text").Description("The text blocks of the content, joined by new lines.")
            .Resolve(ctx => ctx.Source.Items("content").JoinedText());
        this.Json("structuredContent", "The structured result, when the tool gives one.");
        Field<NonNullGraphType<BooleanGraphType>>("isError").Description("True when the tool failed (the content says why).")
            .Resolve(ctx => ctx.Source.Flag("isError"));
    }
}

public sealed class ResourceGraphType : ObjectGraphType<JsonElement>
{
    public ResourceGraphType()
    {
        Name = "Resource";
        Description = "A resource the server can read.";
        this.Str("uri", "The resource's URI.", nonNull: true);
        this.Str("name", "The resource's name.", nonNull: true);
        this.Str("title", "A human-readable title.");
        this.Str("description", "What the resource holds.");
        this.Str("mimeType", "The MIME type of its contents.");
        Field<FloatGraphType>("size").Description("Size in bytes, when known.")
            .Resolve(ctx => ctx.Source.Get("size") is { ValueKind: JsonValueKind.Number } size ? size.GetDouble() : null);
    }
}

public sealed class ResourceTemplateGraphType : ObjectGraphType<JsonElement>
{
    public ResourceTemplateGraphType()
    {
        Name = "ResourceTemplate";
        Description = "A family of resources named by a URI template (RFC 6570).";
        this.Str("uriTemplate", "The URI template.", nonNull: true);
        this.Str("name", "The template's name.", nonNull: true);
        this.Str("title", "A human-readable title.");
        this.Str("description", "What the resources hold.");
        this.Str("mimeType", "The MIME type of their contents.");
    }
}

public sealed class ResourceContentsGraphType : ObjectGraphType<JsonElement>
{
    public ResourceContentsGraphType()
    {
        Name = "ResourceContents";
        Description = "The contents of a resource: text, or base64 bytes in blob.";
        this.Str("uri", "The resource's URI.", nonNull: true);
        this.Str("mimeType", "The MIME type.");
        this.Str("text", "The text, for text resources.");
        this.Str("blob", "Base64 bytes, for binary resources.");
    }
}

public sealed class ReadResourceResultGraphType : ObjectGraphType<JsonElement>
{
    public ReadResourceResultGraphType()
    {
        Name = "ReadResourceResult";
        Description = "What reading a resource returned.";
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<ResourceContentsGraphType>>>>("contents").Description("One entry per resource read.")
            .Resolve(ctx => ctx.Source.Items("contents").ToList());
    }
}

public sealed class PromptArgumentGraphType : ObjectGraphType<JsonElement>
{
    public PromptArgumentGraphType()
    {
        Name = "PromptArgument";
        Description = "An argument a prompt takes.";
        this.Str("name", "The argument's name.", nonNull: true);
        this.Str("title", "A human-readable title.");
        this.Str("description", "What the argument is for.");
        Field<NonNullGraphType<BooleanGraphType>>("required").Description("Whether the prompt needs it.").Resolve(ctx => ctx.Source.Flag("required"));
    }
}

public sealed class PromptGraphType : ObjectGraphType<JsonElement>
{
    public PromptGraphType()
    {
        Name = "Prompt";
        Description = "A prompt template the server offers.";
        this.Str("name", "The prompt's unique name.", nonNull: true);
        this.Str("title", "A human-readable title.");
        this.Str("description", "What the prompt is for.");
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<PromptArgumentGraphType>>>>("arguments").Description("The arguments it takes.")
            .Resolve(ctx => ctx.Source.Items("arguments").ToList());
    }
}

public sealed class PromptMessageGraphType : ObjectGraphType<JsonElement>
{
    public PromptMessageGraphType()
    {
        Name = "PromptMessage";
        Description = "One message of a rendered prompt.";
        this.Str("role", "user or assistant.", nonNull: true);
        this.Json("content", "The content block as MCP writes it.", nonNull: true);
        Field<StringGraphType>("text").Description("The text, when the content is a text block.")
            .Resolve(ctx => ctx.Source.Get("content") is { ValueKind: JsonValueKind.Object } block ? new[] { block }.JoinedText() : null);
    }
}

public sealed class RenderedPromptGraphType : ObjectGraphType<JsonElement>
{
    public RenderedPromptGraphType()
    {
        Name = "RenderedPrompt";
        Description = "A prompt rendered with its arguments.";
        this.Str("description", "The prompt's description.");
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<PromptMessageGraphType>>>>("messages").Description("The messages to send to a model.")
            .Resolve(ctx => ctx.Source.Items("messages").ToList());
    }
}

public sealed class ServerEventKindGraphType : EnumerationGraphType<ServerEventKind>
{
    public ServerEventKindGraphType()
    {
        Name = "ServerEventKind";
        Description = "What changed on the server.";
    }
}

public sealed class ServerEventGraphType : ObjectGraphType<ServerEvent>
{
    public ServerEventGraphType()
    {
        Name = "ServerEvent";
        Description = "A change on the server: a list changed, or a resource was updated.";
        Field<NonNullGraphType<ServerEventKindGraphType>>("kind").Description("What changed.").Resolve(ctx => ctx.Source.Kind);
        Field<StringGraphType>("uri").Description("The updated resource, for RESOURCE_UPDATED.").Resolve(ctx => ctx.Source.Uri);
    }
}

/// <summary>What <c>callToolWithProgress</c> streams: progress events, then one result.</summary>
public enum ToolCallEventKind
{
    Progress,
    Result,
}

public sealed record ToolCallEvent(ToolCallEventKind Kind, double? Progress = null, double? Total = null, string? Message = null, JsonElement? Result = null);

public sealed class ToolCallEventKindGraphType : EnumerationGraphType<ToolCallEventKind>
{
    public ToolCallEventKindGraphType()
    {
        Name = "ToolCallEventKind";
        Description = "PROGRESS while the tool runs, RESULT once at the end.";
    }
}

public sealed class ToolCallEventGraphType : ObjectGraphType<ToolCallEvent>
{
    public ToolCallEventGraphType()
    {
        Name = "ToolCallEvent";
        Description = "A step of a tool call: progress while it runs, then its result.";
        Field<NonNullGraphType<ToolCallEventKindGraphType>>("kind").Description("PROGRESS or RESULT.").Resolve(ctx => ctx.Source.Kind);
        Field<FloatGraphType>("progress").Description("How far the tool got (PROGRESS).").Resolve(ctx => ctx.Source.Progress);
        Field<FloatGraphType>("total").Description("Where progress ends, when the tool knows (PROGRESS).").Resolve(ctx => ctx.Source.Total);
        Field<StringGraphType>("message").Description("What the tool is doing (PROGRESS).").Resolve(ctx => ctx.Source.Message);
        Field<CallToolResultGraphType>("result").Description("The tool's result (RESULT).").Resolve(ctx => ctx.Source.Result);
    }
}
