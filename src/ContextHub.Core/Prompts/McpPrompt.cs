using ContextHub.Messaging;
using ModelContextProtocol.Protocol;

namespace ContextHub.Prompts;

/// <summary>A prompt the Prompt Manager can hold: its definition, how it renders, and how its arguments complete.</summary>
public abstract class McpPrompt
{
    public abstract Prompt Definition { get; }

    /// <summary>Renders the prompt; required arguments have been checked.</summary>
    public abstract ValueTask<GetPromptResult> RenderAsync(McpCallContext context, IReadOnlyDictionary<string, string> arguments);

    /// <summary>Candidate values for <paramref name="argument"/>; empty when the prompt offers none.</summary>
    public virtual IReadOnlyList<string> Complete(string argument, string prefix, IReadOnlyDictionary<string, string> context) => [];
}

/// <summary>A prompt written in code.</summary>
public sealed class CodePrompt(Prompt definition,
    Func<McpCallContext, IReadOnlyDictionary<string, string>, ValueTask<GetPromptResult>> render,
    Func<string, string, IReadOnlyList<string>>? complete = null) : McpPrompt
{
    public override Prompt Definition { get; } = definition;

    public override ValueTask<GetPromptResult> RenderAsync(McpCallContext context, IReadOnlyDictionary<string, string> arguments) =>
        render(context, arguments);

    public override IReadOnlyList<string> Complete(string argument, string prefix, IReadOnlyDictionary<string, string> context) =>
        complete?.Invoke(argument, prefix) ?? [];
}
