using System.Text.Json;
using System.Text.Json.Nodes;
using ContextHub.Messaging;
using ContextHub.Protocol;
using ContextHub.Tasks;
using GraphQL;
using GraphQL.Types;
using ModelContextProtocol.Protocol;

namespace ContextHub.Server.Gateway.GraphQL;

/// <summary>
/// Tasks through GraphQL: <c>callToolAsTask</c> starts a long tool call in the background, the <c>task</c> query reads it
/// (with its result once done), <c>cancelTask</c> stops it, and the <c>taskStatus</c> subscription follows it to its end.
/// Through the engine's tasks extension methods, so tasks belong to their caller as on every door.
/// </summary>
internal static class TaskFields
{
    public static void AddTaskQueries(this ObjectGraphType query) =>
        query.Field<NonNullGraphType<TaskGraphType>>("task").Description("A task by id (tasks/get): its status, and its result or error once it ended.")
            .Argument<NonNullGraphType<StringGraphType>>("id", "The task id.")
            .ResolveAsync(async ctx => await CallAsync(ctx, "tasks/get", new JsonObject { ["taskId"] = ctx.GetArgument<string>("id") }));

    public static void AddTaskMutations(this ObjectGraphType mutation)
    {
        mutation.Field<NonNullGraphType<TaskGraphType>>("callToolAsTask")
            .Description("Starts a tool that supports tasks in the background (tools/call as a task) and returns the task at once.")
            .Argument<NonNullGraphType<StringGraphType>>("name", "The tool's name.")
            .Argument<JsonGraphType>("arguments", "The arguments, an object matching the tool's inputSchema.")
            .ResolveAsync(async ctx =>
            {
                var name = ctx.GetArgument<string>("name");
                var result = await CallAsync(ctx, RequestMethods.ToolsCall, new JsonObject { ["name"] = name, ["arguments"] = ctx.Arguments() ?? new JsonObject() });
                return result.Text("resultType") == "task"
                    ? result
                    : throw new McpGraphQLError(McpErrorException.InvalidParams($"Tool '{name}' does not run as a task; use callTool.", "name"));
            });
        mutation.Field<NonNullGraphType<TaskGraphType>>("cancelTask").Description("Cancels a task (tasks/cancel) and returns it; a task already ended stays as it is.")
            .Argument<NonNullGraphType<StringGraphType>>("id", "The task id.")
            .ResolveAsync(async ctx =>
            {
                var id = new JsonObject { ["taskId"] = ctx.GetArgument<string>("id") };
                await CallAsync(ctx, "tasks/cancel", id);
                return await CallAsync(ctx, "tasks/get", (JsonObject)id.DeepClone());
            });
    }

    public static void AddTaskSubscriptions(this ObjectGraphType subscription) =>
        subscription.Field<NonNullGraphType<TaskGraphType>>("taskStatus")
            .Description("A task's status now and at every change; the stream ends when the task ends.")
            .Argument<NonNullGraphType<StringGraphType>>("id", "The task id.")
            .Resolve(ctx => ctx.Source)
            .ResolveStreamAsync(async ctx =>
            {
                var id = ctx.GetArgument<string>("id");
                // Reading it first checks that the task exists and is the caller's.
                var current = await CallAsync(ctx, "tasks/get", new JsonObject { ["taskId"] = id });
                return new TaskStatusStream(ctx.RequestServices!.GetRequiredService<ITaskEvents>(), id, current);
            });

    private static async Task<JsonElement> CallAsync(IResolveFieldContext context, string method, JsonObject parameters)
    {
        try
        {
            return await context.Manager().InvokeAsync(method, parameters, context.Caller(), static r => r.ToJsonElement(), context.CancellationToken,
                clientCapabilities: new JsonObject { ["extensions"] = new JsonObject { [TaskWire.ExtensionId] = new JsonObject() } });
        }
        catch (McpErrorException e)
        {
            throw new McpGraphQLError(e);
        }
    }
}

/// <summary>A task's state as a subscription stream: the state now, then every change, completed at the end.</summary>
internal sealed class TaskStatusStream(ITaskEvents tasks, string taskId, JsonElement current) : IObservable<object?>
{
    public IDisposable Subscribe(IObserver<object?> observer)
    {
        var gate = new Lock();
        var ended = false;
        void Publish(JsonElement state, bool terminal)
        {
            lock (gate)
            {
                if (ended)
                {
                    return;
                }

                observer.OnNext(state);
                if (terminal)
                {
                    ended = true;
                    observer.OnCompleted();
                }
            }
        }

        void OnChanged(TaskRecord task)
        {
            if (task.TaskId == taskId)
            {
                Publish(TaskWire.ToElement(TaskWire.Detailed(task)), task.IsTerminal);
            }
        }

        tasks.Changed += OnChanged;
        Publish(current, McpTaskStatus.IsTerminal(current.Text("status") ?? ""));
        return new Unsubscriber(() => tasks.Changed -= OnChanged);
    }

    private sealed class Unsubscriber(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }
}

public sealed class TaskGraphType : ObjectGraphType<JsonElement>
{
    public TaskGraphType()
    {
        Name = "Task";
        Description = "A long tool call running in the background.";
        this.Str("taskId", "The task id.", nonNull: true);
        this.Str("status", "working, input_required, completed, failed or cancelled.", nonNull: true);
        this.Str("statusMessage", "A human-readable note about the status.");
        this.Str("createdAt", "When the task was created (ISO 8601).", nonNull: true);
        this.Str("lastUpdatedAt", "When the status last changed (ISO 8601).", nonNull: true);
        Field<NonNullGraphType<FloatGraphType>>("ttlMs").Description("How long the task is kept from its creation, in milliseconds.")
            .Resolve(ctx => ctx.Source.Get("ttlMs").GetDouble());
        Field<CallToolResultGraphType>("result").Description("The tool's result, once completed.")
            .Resolve(ctx => ctx.Source.Get("result") is { ValueKind: JsonValueKind.Object } result ? result : null);
        this.Json("error", "The error (code, message, data), once failed.");
        this.Json("inputRequests", "Requests the task waits on, by key, while input_required.");
    }
}
