using System.Text.Json;
using GraphQL.Types;

namespace ContextHub.Server.Gateway.GraphQL;

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
