using System.ComponentModel;
using System.Text.Json;

namespace ContextHub.Server.Gateway.Rest;

/// <summary>The result of a tool call: a tool that fails reports it here with <c>isError</c>, still as 200.</summary>
[Description("The result of a tool call. A tool that fails says so with isError: true (still HTTP 200).")]
public sealed record ToolCallResult(
    [property: Description("Content blocks (text, image, audio, resource_link, resource), as in MCP.")] IReadOnlyList<JsonElement> Content,
    [property: Description("Structured result matching the tool's outputSchema, when the tool returns one.")] JsonElement? StructuredContent,
    [property: Description("True when the tool reports a failure.")] bool? IsError);
