using GraphQL.Types;

namespace ContextHub.Server.Gateway.GraphQL;

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
