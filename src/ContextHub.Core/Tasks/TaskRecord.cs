using System.Text.Json;
using System.Text.Json.Serialization;

namespace ContextHub.Tasks;

/// <summary>
/// One task as plain data: everything another replica needs to answer <c>tasks/get</c> for it. Stores keep it as it is
/// (it serializes with <see cref="TaskJsonContext"/>); the running work itself stays on the replica that runs it.
/// </summary>
public sealed record TaskRecord
{
    public required string TaskId { get; init; }

    /// <summary>Who may see and cancel it: the session, else the authenticated caller (see <see cref="TaskManager.OwnerOf"/>).</summary>
    public required string Owner { get; init; }

    public required string ToolName { get; init; }

    /// <summary>The wire the task was made on: <see cref="TaskWire.Extension"/> (2026-07-28) or <see cref="TaskWire.Experimental"/> (2025-11-25).</summary>
    public required string Wire { get; init; }

    public string Status { get; init; } = McpTaskStatus.Working;

    public string? StatusMessage { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset LastUpdatedAt { get; init; }

    /// <summary>How long the task is kept after it is created, in milliseconds.</summary>
    public required long TtlMs { get; init; }

    public required long PollIntervalMs { get; init; }

    public DateTimeOffset ExpiresAt => CreatedAt.AddMilliseconds(TtlMs);

    /// <summary>The tool's result (a <c>CallToolResult</c>) once completed.</summary>
    public JsonElement? Result { get; init; }

    /// <summary>The JSON-RPC error (<c>code</c>, <c>message</c>, <c>data</c>) once failed.</summary>
    public JsonElement? Error { get; init; }

    /// <summary>Requests to the client the task waits on, by key: <c>{ "method": ..., "params": ... }</c>.</summary>
    public IReadOnlyDictionary<string, JsonElement>? InputRequests { get; init; }

    [JsonIgnore]
    public bool IsTerminal => McpTaskStatus.IsTerminal(Status);
}

/// <summary>The statuses of a task, as the wire spells them.</summary>
public static class McpTaskStatus
{
    public const string Working = "working";
    public const string InputRequired = "input_required";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    public static bool IsTerminal(string status) => status is Completed or Failed or Cancelled;
}

/// <summary>Whether a tool runs as a task (<c>execution.taskSupport</c>).</summary>
public enum ToolTaskSupport
{
    /// <summary>Never: the call always answers directly.</summary>
    Forbidden,

    /// <summary>As a task when the client can take one, else directly.</summary>
    Optional,

    /// <summary>Only as a task: a client that cannot take one gets -32021.</summary>
    Required,
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(TaskRecord))]
public sealed partial class TaskJsonContext : JsonSerializerContext;
