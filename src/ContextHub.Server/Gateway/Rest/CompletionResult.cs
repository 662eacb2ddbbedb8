using System.ComponentModel;

namespace ContextHub.Server.Gateway.Rest;

/// <summary>Suggested values.</summary>
[Description("Suggested values, at most 100.")]
public sealed record CompletionResult(
    IReadOnlyList<string> Values,
    [property: Description("How many values match in all.")] int? Total,
    [property: Description("True when there are more values than returned.")] bool? HasMore);

/// <summary>The wrapper MCP puts around completion values.</summary>
internal sealed record CompleteEnvelope(CompletionResult Completion);
