using System.ComponentModel;
using System.Text.Json;

namespace ContextHub.Server.Gateway.Rest;

/// <summary>One message of a rendered prompt.</summary>
[Description("One message of a rendered prompt.")]
public sealed record PromptMessageInfo(
    [property: Description("user or assistant.")] string Role,
    [property: Description("A content block (text, image, audio, resource_link, resource), as in MCP.")] JsonElement Content);

/// <summary>A rendered prompt.</summary>
[Description("A rendered prompt: the messages to send to a model.")]
public sealed record PromptRenderResult(
    string? Description,
    IReadOnlyList<PromptMessageInfo> Messages);
