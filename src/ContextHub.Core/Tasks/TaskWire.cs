using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ContextHub.Tasks;

/// <summary>
/// The two wires tasks travel on: the tasks extension of 2026-07-28 (<c>io.modelcontextprotocol/tasks</c>, SEP-2663:
/// flat results, <c>ttlMs</c>, the result inlined in <c>tasks/get</c>, <c>tasks/update</c> for input) and the experimental
/// tasks of 2025-11-25 (a <c>task</c> wrapper, <c>ttl</c>, <c>tasks/result</c>, <c>tasks/list</c>).
/// </summary>
public static class TaskWire
{
    public const string Extension = "extension";
    public const string Experimental = "experimental";

    /// <summary>The extension's id, in capabilities and in <c>_meta</c>.</summary>
    public const string ExtensionId = "io.modelcontextprotocol/tasks";

    /// <summary>The 2025-11-25 <c>_meta</c> key tying a message to its task.</summary>
    public const string RelatedTaskMeta = "io.modelcontextprotocol/related-task";

    public static string Timestamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>2026-07-28 <c>CreateTaskResult</c>: the task's fields at the top level, <c>resultType: "task"</c>.</summary>
    public static JsonObject CreateResult(TaskRecord task)
    {
        var result = new JsonObject { ["resultType"] = "task" };
        AddExtensionFields(result, task);
        return result;
    }

    /// <summary>2026-07-28 <c>tasks/get</c>: the task, with its result, error or input requests inlined.</summary>
    public static JsonObject Detailed(TaskRecord task)
    {
        var result = new JsonObject { ["resultType"] = "complete" };
        AddExtensionFields(result, task);
        switch (task.Status)
        {
            case McpTaskStatus.Completed when task.Result is { } value:
                result["result"] = JsonNode.Parse(value.GetRawText());
                break;
            case McpTaskStatus.Failed when task.Error is { } error:
                result["error"] = JsonNode.Parse(error.GetRawText());
                break;
            case McpTaskStatus.InputRequired when task.InputRequests is { Count: > 0 } inputs:
                var requests = new JsonObject();
                foreach (var (key, request) in inputs)
                {
                    requests[key] = JsonNode.Parse(request.GetRawText());
                }

                result["inputRequests"] = requests;
                break;
        }

        return result;
    }

    /// <summary>2026-07-28 acknowledgement of <c>tasks/cancel</c> and <c>tasks/update</c>.</summary>
    public static JsonObject Ack() => new() { ["resultType"] = "complete" };

    /// <summary>2025-11-25 <c>Task</c>: what <c>tasks/get</c>, <c>tasks/cancel</c>, <c>tasks/list</c> and the status notification carry.</summary>
    public static JsonObject ExperimentalTask(TaskRecord task)
    {
        var result = new JsonObject
        {
            ["taskId"] = task.TaskId,
            ["status"] = task.Status,
            ["createdAt"] = Timestamp(task.CreatedAt),
            ["lastUpdatedAt"] = Timestamp(task.LastUpdatedAt),
            ["ttl"] = task.TtlMs,
            ["pollInterval"] = task.PollIntervalMs,
        };
        if (task.StatusMessage is { } message)
        {
            result["statusMessage"] = message;
        }

        return result;
    }

    /// <summary>2025-11-25 <c>CreateTaskResult</c>: <c>{ "task": Task }</c>.</summary>
    public static JsonObject ExperimentalCreateResult(TaskRecord task) => new() { ["task"] = ExperimentalTask(task) };

    /// <summary>The <c>_meta</c> entry tying a result or request to its task (2025-11-25).</summary>
    public static JsonObject RelatedTask(string taskId) => new() { [RelatedTaskMeta] = new JsonObject { ["taskId"] = taskId } };

    private static void AddExtensionFields(JsonObject target, TaskRecord task)
    {
        target["taskId"] = task.TaskId;
        target["status"] = task.Status;
        if (task.StatusMessage is { } message)
        {
            target["statusMessage"] = message;
        }

        target["createdAt"] = Timestamp(task.CreatedAt);
        target["lastUpdatedAt"] = Timestamp(task.LastUpdatedAt);
        target["ttlMs"] = task.TtlMs;
        target["pollIntervalMs"] = task.PollIntervalMs;
    }

    public static JsonElement ToElement(JsonNode node) => JsonSerializer.SerializeToElement(node, Protocol.CoreJsonContext.Default.JsonNode);
}
