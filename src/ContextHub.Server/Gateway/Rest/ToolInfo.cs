using System.ComponentModel;
using System.Text.Json;

namespace ContextHub.Server.Gateway.Rest;

/// <summary>A tool as listed by the engine.</summary>
[Description("A tool the server offers.")]
public sealed record ToolInfo(
    [property: Description("Unique name, used in the URL of the tool.")] string Name,
    [property: Description("Human-readable name.")] string? Title,
    [property: Description("What the tool does.")] string? Description,
    [property: Description("JSON Schema of the arguments object.")] JsonElement InputSchema,
    [property: Description("JSON Schema of structuredContent, when the tool declares one.")] JsonElement? OutputSchema,
    [property: Description("Hints about the tool's behaviour (readOnlyHint, destructiveHint, idempotentHint, openWorldHint).")] JsonElement? Annotations);

/// <summary>One page of tools.</summary>
[Description("One page of tools.")]
public sealed record ToolPage(
    IReadOnlyList<ToolInfo> Tools,
    [property: Description("Pass as ?cursor= to get the next page; absent on the last page.")] string? NextCursor);
