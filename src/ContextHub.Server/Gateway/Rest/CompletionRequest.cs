using System.ComponentModel;

namespace ContextHub.Server.Gateway.Rest;

/// <summary>What a completion is for: a prompt (by name) or a resource template (by URI template).</summary>
[Description("What to complete: a prompt's argument (type ref/prompt with name) or a resource template's variable (type ref/resource with uri).")]
public sealed record CompletionReference(
    [property: Description("ref/prompt or ref/resource.")] string Type,
    [property: Description("The prompt's name (ref/prompt).")] string? Name,
    [property: Description("The resource template (ref/resource).")] string? Uri);

/// <summary>The argument being completed and what the user typed so far.</summary>
[Description("The argument being completed and what has been typed so far.")]
public sealed record CompletionArgument(string Name, string Value);

/// <summary>Values of other arguments already chosen.</summary>
[Description("Values of other arguments already chosen, which may narrow the suggestions.")]
public sealed record CompletionContext(IReadOnlyDictionary<string, string>? Arguments);

/// <summary>A completion request.</summary>
[Description("Asks for suggestions for one argument of a prompt or one variable of a resource template.")]
public sealed record CompletionRequest(
    CompletionReference Ref,
    CompletionArgument Argument,
    CompletionContext? Context);
