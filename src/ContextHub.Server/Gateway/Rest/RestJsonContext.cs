using System.Text.Json;
using System.Text.Json.Serialization;

namespace ContextHub.Server.Gateway.Rest;

// The REST door's bodies. Property names match the MCP wire names, so a result of the engine reads straight into them
// (fields the REST door does not show, such as _meta, resultType or ttlMs, are left out).

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
[JsonSerializable(typeof(TaskList))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(IngestDocumentRequest))]
[JsonSerializable(typeof(ContextHub.Server.KnowledgeBase.SearchResults))]
[JsonSerializable(typeof(ContextHub.Server.KnowledgeBase.FetchedDocument))]
[JsonSerializable(typeof(ContextHub.Server.KnowledgeBase.IngestOutcome))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(Dictionary<string, JsonElement>))]
internal sealed partial class RestJsonContext : JsonSerializerContext;
