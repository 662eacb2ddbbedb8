using System.ComponentModel;
using System.Text.Json;

namespace ContextHub.Server.Gateway.Rest;

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
    [property: Description("Requests the task waits on, by key, while input_required.")] JsonElement? InputRequests,
    [property: Description("The tool the task runs (in the list of tasks).")] string? ToolName = null);

/// <summary>The caller's tasks.</summary>
[Description("The tasks the caller started that have not yet expired, newest first.")]
public sealed record TaskList([property: Description("The tasks, newest first.")] IReadOnlyList<TaskInfo> Tasks);
