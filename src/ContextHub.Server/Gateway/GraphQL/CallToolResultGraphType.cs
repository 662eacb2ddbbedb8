using System.Text.Json;
using GraphQL.Types;

namespace ContextHub.Server.Gateway.GraphQL;

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
