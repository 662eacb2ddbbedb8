using System.ComponentModel;

namespace ContextHub.Server.Gateway.Rest;

/// <summary>An argument a prompt takes.</summary>
[Description("An argument a prompt takes (always a string).")]
public sealed record PromptArgumentInfo(
    string Name,
    string? Title,
    string? Description,
    bool? Required);

/// <summary>A prompt as listed by the engine.</summary>
[Description("A prompt template the server offers.")]
public sealed record PromptInfo(
    string Name,
    string? Title,
    string? Description,
    IReadOnlyList<PromptArgumentInfo>? Arguments);

/// <summary>One page of prompts.</summary>
[Description("One page of prompts.")]
public sealed record PromptPage(
    IReadOnlyList<PromptInfo> Prompts,
    [property: Description("Pass as ?cursor= to get the next page; absent on the last page.")] string? NextCursor);
