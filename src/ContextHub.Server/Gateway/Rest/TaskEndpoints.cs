using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using ContextHub.Protocol;
using ContextHub.Tasks;

namespace ContextHub.Server.Gateway.Rest;

/// <summary>
/// <c>/tasks</c>: a long tool call started with <c>POST /tools/{name}/call?task=true</c> (or <c>Prefer: respond-async</c>)
/// answers 202 with a <c>Location</c> here; <c>GET</c> reads its status (and its result once done), <c>DELETE</c> cancels it.
/// Through the engine's tasks extension methods, so the same task is visible to the same caller over MCP.
/// </summary>
internal static class TaskEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var tasks = api.MapGroup("/tasks").WithTags("Tasks");

        tasks.MapGet("", ListAsync)
            .WithName("ListTasks")
            .WithSummary("List your tasks")
            .WithDescription("The tasks the caller started that have not expired yet, newest first, each with its status (and its result or error once ended).")
            .Produces<TaskList>()
            .ProducesProblems();

        tasks.MapGet("/{id}", GetAsync)
            .WithName("GetTask")
            .WithSummary("Read a task")
            .WithDescription("The task's status; once completed its result, once failed its error, while it waits on the client its inputRequests.")
            .Produces<TaskInfo>()
            .ProducesProblems(StatusCodes.Status404NotFound);

        tasks.MapGet("/{id}/result", ResultAsync)
            .WithName("GetTaskResult")
            .WithSummary("Read a task's result")
            .WithDescription("200 with the tool's result once the task completed; 202 with the task while it runs (poll again after Retry-After); "
                + "a problem when it failed (the task's error) or was cancelled (409).")
            .Produces<ToolCallResult>()
            .Produces<TaskInfo>(StatusCodes.Status202Accepted)
            .ProducesProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);

        tasks.MapDelete("/{id}", CancelAsync)
            .WithName("CancelTask")
            .WithSummary("Cancel a task")
            .WithDescription("Stops the task if it still runs (GET it to see it cancelled); a task already finished stays as it is.")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblems(StatusCodes.Status404NotFound);
    }

    /// <summary>Params and capabilities of a request that speaks the tasks extension.</summary>
    public static JsonObject Capabilities() => new() { ["extensions"] = new JsonObject { [TaskWire.ExtensionId] = new JsonObject() } };

    /// <summary>True when the client asked to run the call as a task (<c>?task=true</c> or <c>Prefer: respond-async</c>).</summary>
    public static bool Wanted(HttpContext context) =>
        context.Request.Query.TryGetValue("task", out var value) && bool.TryParse(value, out var yes) && yes
        || context.Request.Headers["Prefer"].Any(p => p?.Contains("respond-async", StringComparison.OrdinalIgnoreCase) == true);

    /// <summary>The 202 answer for a task just created: Location to the task, its status as the body.</summary>
    public static IResult Accepted(HttpContext context, JsonElement created)
    {
        var task = JsonSerializer.Deserialize(created, RestJsonContext.Default.TaskInfo)!;
        RetryAfterHeader.Set(context.Response, TimeSpan.FromMilliseconds(task.PollIntervalMs));
        return TypedResults.Accepted(Location(context, task.TaskId), task);
    }

    private static async Task<IResult> ListAsync(HttpContext context, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var listed = await RestRequests.InvokeAsync(context, "tasks/list", new JsonObject(), r => r.ToJsonElement(), Capabilities());
        return TypedResults.Json(JsonSerializer.Deserialize(listed, RestJsonContext.Default.TaskList)!, RestJsonContext.Default.TaskList);
    }

    private static async Task<IResult> GetAsync(HttpContext context, [Description("The task id.")] string id) =>
        TypedResults.Json(await ReadAsync(context, id), RestJsonContext.Default.TaskInfo);

    private static async Task<IResult> ResultAsync(HttpContext context, [Description("The task id.")] string id)
    {
        var task = await ReadAsync(context, id);
        switch (task.Status)
        {
            case McpTaskStatus.Completed when task.Result is { } result:
                return TypedResults.Json(JsonSerializer.Deserialize(result, RestJsonContext.Default.ToolCallResult)!, RestJsonContext.Default.ToolCallResult);
            case McpTaskStatus.Failed when task.Error is { } error:
                throw new McpErrorException(error.GetProperty("code").GetInt32(), error.GetProperty("message").GetString() ?? "The task failed.");
            case McpTaskStatus.Failed or McpTaskStatus.Cancelled:
                return RestProblems.ToResult(RestProblems.Of(RestProblems.Conflict, $"Task '{id}' was {task.Status}; it has no result.", context, "id"));
            default:
                RetryAfterHeader.Set(context.Response, TimeSpan.FromMilliseconds(task.PollIntervalMs));
                return TypedResults.Json(task, RestJsonContext.Default.TaskInfo, statusCode: StatusCodes.Status202Accepted);
        }
    }

    private static async Task<IResult> CancelAsync(HttpContext context, [Description("The task id.")] string id)
    {
        await InvokeAsync(context, "tasks/cancel", id);
        return TypedResults.NoContent();
    }

    private static async Task<TaskInfo> ReadAsync(HttpContext context, string id) =>
        JsonSerializer.Deserialize(await InvokeAsync(context, "tasks/get", id), RestJsonContext.Default.TaskInfo)!;

    private static Task<JsonElement> InvokeAsync(HttpContext context, string method, string id) =>
        RestRequests.InvokeAsync(context, method, new JsonObject { ["taskId"] = id }, r => r.ToJsonElement(), Capabilities());

    private static string Location(HttpContext context, string taskId) =>
        $"{context.Request.PathBase}{RestDoorPrefix(context)}/tasks/{Uri.EscapeDataString(taskId)}";

    /// <summary>The door's prefix (<c>/api/v1</c>), taken from the path of the call that made the task.</summary>
    private static string RestDoorPrefix(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        var tools = path.IndexOf("/tools/", StringComparison.Ordinal);
        return tools > 0 ? path[..tools] : "/api/v1";
    }
}
