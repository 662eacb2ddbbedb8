using System.Text.Json;
using GraphQL.Types;

namespace ContextHub.Server.Gateway.GraphQL;

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
