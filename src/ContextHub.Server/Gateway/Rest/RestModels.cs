using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ContextHub.Server.Gateway.Rest;

// The REST door's bodies. Property names match the MCP wire names, so a result of the engine reads straight into them
// (fields the REST door does not show, such as _meta, resultType or ttlMs, are left out).

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

/// <summary>The result of a tool call: a tool that fails reports it here with <c>isError</c>, still as 200.</summary>
[Description("The result of a tool call. A tool that fails says so with isError: true (still HTTP 200).")]
public sealed record ToolCallResult(
    [property: Description("Content blocks (text, image, audio, resource_link, resource), as in MCP.")] IReadOnlyList<JsonElement> Content,
    [property: Description("Structured result matching the tool's outputSchema, when the tool returns one.")] JsonElement? StructuredContent,
    [property: Description("True when the tool reports a failure.")] bool? IsError);

/// <summary>A resource as listed by the engine.</summary>
[Description("A resource the server can read.")]
public sealed record ResourceInfo(
    [property: Description("The resource's URI; read it with GET /resources/read?uri=.")] string Uri,
    string Name,
    string? Title,
    string? Description,
    string? MimeType,
    [property: Description("Size in bytes, when known.")] long? Size);

/// <summary>One page of resources.</summary>
[Description("One page of resources.")]
public sealed record ResourcePage(
    IReadOnlyList<ResourceInfo> Resources,
    [property: Description("Pass as ?cursor= to get the next page; absent on the last page.")] string? NextCursor);

/// <summary>A resource template (RFC 6570).</summary>
[Description("A family of resources named by an RFC 6570 URI template.")]
public sealed record ResourceTemplateInfo(
    string UriTemplate,
    string Name,
    string? Title,
    string? Description,
    string? MimeType);

/// <summary>One page of resource templates.</summary>
[Description("One page of resource templates.")]
public sealed record ResourceTemplatePage(
    IReadOnlyList<ResourceTemplateInfo> ResourceTemplates,
    [property: Description("Pass as ?cursor= to get the next page; absent on the last page.")] string? NextCursor);

/// <summary>One part of a resource: text or base64 data.</summary>
[Description("One part of a resource's contents: text, or base64-encoded bytes in blob.")]
public sealed record ResourceContent(
    string Uri,
    string? MimeType,
    [property: Description("The contents as text.")] string? Text,
    [property: Description("The contents as base64-encoded bytes.")] string? Blob);

/// <summary>What reading a resource returns.</summary>
[Description("The contents of a resource.")]
public sealed record ResourceReadResult(IReadOnlyList<ResourceContent> Contents);

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

/// <summary>Suggested values.</summary>
[Description("Suggested values, at most 100.")]
public sealed record CompletionResult(
    IReadOnlyList<string> Values,
    [property: Description("How many values match in all.")] int? Total,
    [property: Description("True when there are more values than returned.")] bool? HasMore);

/// <summary>The wrapper MCP puts around completion values.</summary>
internal sealed record CompleteEnvelope(CompletionResult Completion);

/// <summary>An RFC 7807 problem, with the engine's error code and the failing parameter.</summary>
[Description("An RFC 7807 problem. type is stable per kind of error; code and path come from the engine's MCP error.")]
public sealed record Problem(
    [property: Description("A URI naming the kind of error, e.g. https://contexthub.dev/problems/not-found.")] string Type,
    [property: Description("A short summary of the kind of error.")] string Title,
    [property: Description("The HTTP status code.")] int Status,
    [property: Description("What went wrong in this request.")] string? Detail,
    [property: Description("The path of the request that failed.")] string? Instance,
    [property: Description("The JSON-RPC error code the engine raised (for example -32602).")] int? Code,
    [property: Description("Where in the request the problem is, e.g. arguments.message or cursor.")] string? Path,
    [property: Description("Further data from the engine's error (for example uri or requiredCapabilities).")] JsonElement? Data);

/// <summary>A long tool call running as a task.</summary>
[Description("A long tool call running in the background. GET it again to follow it; DELETE cancels it.")]
public sealed record TaskInfo(
    [property: Description("The task id (also in the Location header).")] string TaskId,
    [property: Description("working, input_required, completed, failed or cancelled.")] string Status,
    [property: Description("A human-readable note about the status.")] string? StatusMessage,
    [property: Description("When the task was created (ISO 8601).")] string CreatedAt,
    [property: Description("When the status last changed (ISO 8601).")] string LastUpdatedAt,
    [property: Description("How long the task is kept from its creation, in milliseconds.")] long TtlMs,
    [property: Description("How often to poll, in milliseconds.")] long PollIntervalMs,
    [property: Description("The tool's result, once completed.")] JsonElement? Result,
    [property: Description("The error (code, message, data), once failed.")] JsonElement? Error,
    [property: Description("Requests the task waits on, by key, while input_required.")] JsonElement? InputRequests);

/// <summary>Source-generated serialization for the REST door's bodies.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ToolPage))]
[JsonSerializable(typeof(ToolCallResult))]
[JsonSerializable(typeof(ResourcePage))]
[JsonSerializable(typeof(ResourceTemplatePage))]
[JsonSerializable(typeof(ResourceReadResult))]
[JsonSerializable(typeof(PromptPage))]
[JsonSerializable(typeof(PromptRenderResult))]
[JsonSerializable(typeof(CompletionRequest))]
[JsonSerializable(typeof(CompleteEnvelope))]
[JsonSerializable(typeof(CompletionResult))]
[JsonSerializable(typeof(Problem))]
[JsonSerializable(typeof(TaskInfo))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(IngestDocumentRequest))]
[JsonSerializable(typeof(ContextHub.Server.KnowledgeBase.SearchResults))]
[JsonSerializable(typeof(ContextHub.Server.KnowledgeBase.FetchedDocument))]
[JsonSerializable(typeof(ContextHub.Server.KnowledgeBase.IngestOutcome))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(Dictionary<string, JsonElement>))]
internal sealed partial class RestJsonContext : JsonSerializerContext;
