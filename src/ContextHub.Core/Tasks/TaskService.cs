using System.Text.Json;
using System.Text.Json.Nodes;
using ContextHub.Messaging;
using ContextHub.Protocol;
using ContextHub.Tools;
using ModelContextProtocol.Protocol;

namespace ContextHub.Tasks;

/// <summary>
/// The MCP side of tasks: deciding whether a <c>tools/call</c> becomes a task, and the <c>tasks/*</c> methods, in the
/// shapes of the request's revision (the 2026-07-28 extension or the 2025-11-25 experimental tasks).
/// </summary>
public sealed class TaskService(TaskManager tasks, ToolManager tools, IServiceProvider services)
{
    public TaskManager Tasks => tasks;

    /// <summary>True when the request declares the tasks extension (per request in <c>_meta</c>, or in its session).</summary>
    public static bool DeclaresExtension(McpRequest request)
    {
        var meta = request.GetMeta(McpProtocol.Meta.ClientCapabilities);
        if (meta.ValueKind == JsonValueKind.Object && meta.TryGetProperty("extensions"u8, out var extensions)
            && extensions.ValueKind == JsonValueKind.Object && extensions.TryGetProperty(TaskWire.ExtensionId, out _))
        {
            return true;
        }

        return request.ClientCapabilities?.Extensions is { } declared && declared.ContainsKey(TaskWire.ExtensionId);
    }

    /// <summary>
    /// Runs <c>tools/call</c> as a task when the tool supports one and the client can take one; null means "call it
    /// directly". A tool that requires a task, called by a client that cannot take one, gets -32021.
    /// </summary>
    public async ValueTask<JsonObject?> TryCallAsTaskAsync(McpRequest request, string name, JsonElement arguments, CancellationToken cancellationToken)
    {
        if (!tools.Registry.TryGet(name, out var registered) || registered.Tool.TaskSupport == ToolTaskSupport.Forbidden)
        {
            return null;
        }

        var wire = request.IsStateless ? TaskWire.Extension : TaskWire.Experimental;
        var taskParam = request.Params.TryGetProperty("task"u8, out var t) && t.ValueKind == JsonValueKind.Object ? t : default;
        var wanted = wire == TaskWire.Extension ? DeclaresExtension(request) : taskParam.ValueKind == JsonValueKind.Object;
        if (!wanted)
        {
            return registered.Tool.TaskSupport == ToolTaskSupport.Required
                ? throw TaskManager.ExtensionRequired($"Tool '{name}' runs only as a task; it")
                : null;
        }

        var detached = Detach(request);
        detached.Params.TryGetProperty("arguments"u8, out var detachedArguments);
        if (tools.Check(request, registered, ref detachedArguments) is { } refused)
        {
            return JsonSerializer.SerializeToNode(refused, McpJson.TypeInfo<CallToolResult>())!.AsObject();
        }

        long? ttl = taskParam.ValueKind == JsonValueKind.Object && taskParam.TryGetProperty("ttl"u8, out var ttlValue) && ttlValue.TryGetInt64(out var ms) ? ms : null;
        if (registered.Tool.StartsTaskItself)
        {
            var (started, direct) = await StartWhenAskedAsync(request, detached, registered, detachedArguments, wire, ttl, cancellationToken);
            return started is not null ? Created(started, wire) : JsonSerializer.SerializeToNode(direct!, McpJson.TypeInfo<CallToolResult>())!.AsObject();
        }

        var record = await tasks.StartAsync(request, name, wire, ttl,
            (running, token) => tools.RunAsync(registered, new McpCallContext(detached, services, token) { CurrentTask = running, TaskManager = tasks }, detachedArguments),
            cancellationToken);
        return Created(record, wire);
    }

    private static JsonObject Created(TaskRecord record, string wire) =>
        wire == TaskWire.Extension ? TaskWire.CreateResult(record) : TaskWire.ExperimentalCreateResult(record);

    /// <summary>
    /// A tool that gathers input first runs as an ordinary call until it calls <c>ContinueAsTaskAsync</c>; then the client
    /// gets the task and the rest runs in the background. A call that ends (or asks for input) before that answers directly.
    /// </summary>
    private async Task<(TaskRecord? Task, CallToolResult? Direct)> StartWhenAskedAsync(McpRequest request, McpRequest detached, RegisteredTool registered, JsonElement arguments,
        string wire, long? ttl, CancellationToken cancellationToken)
    {
        // The handler outlives this request once it becomes a task: its token follows the request only until then.
        var cancellation = new CancellationTokenSource();
        var escalated = new TaskCompletionSource<TaskRecord>(TaskCreationOptions.RunContinuationsAsynchronously);
        var outcome = new TaskCompletionSource<CallToolResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var link = cancellationToken.Register(() =>
        {
            if (!escalated.Task.IsCompleted)
            {
                try
                {
                    cancellation.Cancel();
                }
                catch (ObjectDisposedException)
                {
                    // The call already ended.
                }
            }
        });
        var context = new McpCallContext(detached, services, cancellation.Token) { TaskManager = tasks };
        context.Escalation = async () =>
        {
            var record = await tasks.StartAsync(request, registered.Definition.Name, wire, ttl, async (running, token) =>
            {
                await using var stop = token.Register(cancellation.Cancel);
                return await outcome.Task;
            }, CancellationToken.None);
            context.CurrentTask = tasks.Running(record.TaskId);
            escalated.TrySetResult(record);
        };

        var call = tools.RunAsync(registered, context, arguments).AsTask();
        _ = call.ContinueWith(c =>
        {
            if (c.IsCompletedSuccessfully)
            {
                outcome.TrySetResult(c.Result);
            }
            else if (c.IsCanceled)
            {
                outcome.TrySetCanceled();
            }
            else
            {
                outcome.TrySetException(c.Exception!.InnerExceptions);
            }

            if (!escalated.Task.IsCompleted)
            {
                cancellation.Dispose();
            }
        }, TaskScheduler.Default);

        if (await Task.WhenAny(call, escalated.Task) == escalated.Task)
        {
            return (await escalated.Task, null);
        }

        // Finished (or asked for input) before becoming a task: answer as an ordinary call.
        return (null, await call);
    }

    /// <summary>2026-07-28 <c>tasks/get</c> / 2025-11-25 <c>tasks/get</c>.</summary>
    public async ValueTask<JsonObject> GetAsync(McpRequest request, CancellationToken cancellationToken)
    {
        RequireExtension(request, "tasks/get");
        var task = await tasks.GetAsync(request, TaskId(request), cancellationToken);
        return request.IsStateless ? TaskWire.Detailed(task) : TaskWire.ExperimentalTask(task);
    }

    /// <summary>2026-07-28 <c>tasks/update</c>: answers to the task's input requests.</summary>
    public async ValueTask<JsonObject> UpdateAsync(McpRequest request, CancellationToken cancellationToken)
    {
        RequireExtension(request, "tasks/update");
        var inputResponses = request.Params.TryGetProperty("inputResponses"u8, out var r) ? r : default;
        await tasks.UpdateAsync(request, TaskId(request), inputResponses, cancellationToken);
        return TaskWire.Ack();
    }

    public async ValueTask<JsonObject> CancelAsync(McpRequest request, CancellationToken cancellationToken)
    {
        RequireExtension(request, "tasks/cancel");
        var task = await tasks.CancelAsync(request, TaskId(request), terminalIsError: !request.IsStateless, cancellationToken);
        return request.IsStateless ? TaskWire.Ack() : TaskWire.ExperimentalTask(task);
    }

    /// <summary>2025-11-25 <c>tasks/result</c>: waits for the end, then the tool's result (or the task's error).</summary>
    public async ValueTask<JsonObject> ResultAsync(McpRequest request, CancellationToken cancellationToken)
    {
        var taskId = TaskId(request);
        var task = await tasks.WaitAsync(request, taskId, request.Channel, cancellationToken);
        switch (task.Status)
        {
            case McpTaskStatus.Completed when task.Result is { } value:
                var result = JsonNode.Parse(value.GetRawText())!.AsObject();
                result["_meta"] = TaskWire.RelatedTask(taskId);
                return result;
            case McpTaskStatus.Failed when task.Error is { } error:
                throw new McpErrorException(error.GetProperty("code").GetInt32(), error.GetProperty("message").GetString() ?? "The task failed.",
                    error.TryGetProperty("data", out var data) ? JsonNode.Parse(data.GetRawText()) : null);
            default:
                throw McpErrorException.InvalidParams($"Task '{taskId}' was {task.Status}; it has no result.", "taskId");
        }
    }

    /// <summary>
    /// 2025-11-25 <c>tasks/list</c>: the caller's tasks. A stateless request (only the REST door may send one) gets each
    /// task as <c>tasks/get</c> shows it, with its tool's name, newest first.
    /// </summary>
    public async ValueTask<JsonObject> ListAsync(McpRequest request, CancellationToken cancellationToken)
    {
        var list = new JsonArray();
        var found = await tasks.ListAsync(request, cancellationToken);
        if (request.IsStateless)
        {
            foreach (var task in found.OrderByDescending(t => t.CreatedAt))
            {
                var detailed = TaskWire.Detailed(task);
                detailed.Remove("resultType");
                detailed["toolName"] = task.ToolName;
                list.Add(detailed);
            }

            return new JsonObject { ["tasks"] = list };
        }

        foreach (var task in found)
        {
            list.Add(TaskWire.ExperimentalTask(task));
        }

        return new JsonObject { ["tasks"] = list };
    }

    /// <summary>Adds <c>execution.taskSupport</c> to the listed tools that run as tasks.</summary>
    public JsonObject Decorate(ListToolsResult result)
    {
        var json = JsonSerializer.SerializeToNode(result, McpJson.TypeInfo<ListToolsResult>())!.AsObject();
        if (json["tools"] is JsonArray list)
        {
            foreach (var item in list.OfType<JsonObject>())
            {
                if (item["name"]?.GetValue<string>() is { } name && tools.Registry.TryGet(name, out var registered)
                    && registered.Tool.TaskSupport != ToolTaskSupport.Forbidden)
                {
                    item["execution"] = new JsonObject { ["taskSupport"] = registered.Tool.TaskSupport == ToolTaskSupport.Required ? "required" : "optional" };
                }
            }
        }

        return json;
    }

    private static void RequireExtension(McpRequest request, string method)
    {
        if (request.IsStateless && !DeclaresExtension(request))
        {
            throw TaskManager.ExtensionRequired(method);
        }
    }

    private static string TaskId(McpRequest request) =>
        request.Params.ValueKind == JsonValueKind.Object && request.Params.TryGetProperty("taskId"u8, out var id)
            && id.ValueKind == JsonValueKind.String && id.GetString() is { Length: > 0 } text
            ? text
            : throw McpErrorException.InvalidParams("taskId must be a non-empty string", "taskId");

    /// <summary>A copy of the request that outlives the door's document (a task runs after the answer is sent).</summary>
    private static McpRequest Detach(McpRequest request) => new()
    {
        Method = request.Method,
        Params = request.Params.ValueKind == JsonValueKind.Undefined ? default : request.Params.Clone(),
        Caller = request.Caller,
        Session = request.Session,
        ProtocolVersion = request.ProtocolVersion,
        ClientCapabilities = request.ClientCapabilities,
        LogLevel = request.LogLevel,
        CorrelationId = request.CorrelationId,
    };
}
