using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using ContextHub.Hosting;
using ContextHub.Messaging;
using ContextHub.Protocol;
using ContextHub.Storage.Telemetry;
using ContextHub.Tasks;
using ContextHub.Tools;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace ContextHub.Core.Tests;

/// <summary>
/// Tasks through the Message Manager (stateless 2026-07-28 requests that declare the tasks extension), with time from a
/// <see cref="FakeTimeProvider"/>: TTL, cleanup, owners, cancellation and input inside a task.
/// </summary>
[Collection(nameof(TaskManagerTests))] // alone: the task gauges are process-wide
public sealed class TaskManagerTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 7, 28, 12, 0, 0, TimeSpan.Zero));
    private ServiceProvider _services = null!;
    private static readonly McpCaller Alice = new(McpTransportKind.InProcess, Identity: "alice");
    private static readonly McpCaller Bob = new(McpTransportKind.InProcess, Identity: "bob");

    public Task InitializeAsync()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ContextHub:Tasks:DefaultTtl"] = "00:10:00",
            ["ContextHub:Tasks:CleanupInterval"] = "00:01:00",
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(_time);
        services.AddContextHub(configuration).WithTools(typeof(Jobs));
        _services = services.BuildServiceProvider();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    [Fact]
    public async Task A_task_stays_for_its_ttl_and_is_removed_after_it()
    {
        var created = await CallAsync(Alice, "tools/call", new JsonObject { ["name"] = "instant" });
        var id = created["taskId"]!.GetValue<string>();
        var done = await WaitForAsync(Alice, id, "completed");

        _time.Advance(TimeSpan.FromMinutes(9));
        var stillThere = await CallAsync(Alice, "tasks/get", new JsonObject { ["taskId"] = id });
        _time.Advance(TimeSpan.FromMinutes(2));
        var expired = await Assert.ThrowsAsync<McpErrorException>(() => CallAsync(Alice, "tasks/get", new JsonObject { ["taskId"] = id }));

        Assert.Equal(600_000, created["ttlMs"]!.GetValue<long>());
        Assert.Equal("done", done["result"]!["content"]![0]!["text"]!.GetValue<string>());
        Assert.Equal("completed", stillThere["status"]!.GetValue<string>());
        Assert.Equal(McpProtocol.ErrorCodes.InvalidParams, expired.Code);
        // The cleanup timer (every minute on the fake clock) removed it from the store too.
        Assert.Null(await _services.GetRequiredService<ITaskStore>().GetAsync(id, CancellationToken.None));
    }

    [Fact]
    public async Task A_running_task_whose_ttl_ends_is_stopped()
    {
        var created = await CallAsync(Alice, "tools/call", new JsonObject { ["name"] = "forever" });
        var id = created["taskId"]!.GetValue<string>();
        await WaitForAsync(Alice, id, "working");

        _time.Advance(TimeSpan.FromMinutes(11));

        Assert.True(await Jobs.Stopped(id).WaitAsync(TimeSpan.FromSeconds(10)));
        await Assert.ThrowsAsync<McpErrorException>(() => CallAsync(Alice, "tasks/get", new JsonObject { ["taskId"] = id }));
    }

    [Fact]
    public async Task Another_caller_cannot_see_update_or_cancel_a_task()
    {
        var created = await CallAsync(Alice, "tools/call", new JsonObject { ["name"] = "forever" });
        var id = created["taskId"]!.GetValue<string>();

        var get = await Assert.ThrowsAsync<McpErrorException>(() => CallAsync(Bob, "tasks/get", new JsonObject { ["taskId"] = id }));
        var cancel = await Assert.ThrowsAsync<McpErrorException>(() => CallAsync(Bob, "tasks/cancel", new JsonObject { ["taskId"] = id }));
        var update = await Assert.ThrowsAsync<McpErrorException>(() => CallAsync(Bob, "tasks/update", new JsonObject { ["taskId"] = id, ["inputResponses"] = new JsonObject() }));
        var unknown = await Assert.ThrowsAsync<McpErrorException>(() => CallAsync(Alice, "tasks/get", new JsonObject { ["taskId"] = "nope" }));
        var mine = await CallAsync(Alice, "tasks/get", new JsonObject { ["taskId"] = id });

        Assert.All(new[] { get, cancel, update, unknown }, e => Assert.Equal(McpProtocol.ErrorCodes.InvalidParams, e.Code));
        Assert.Equal(get.Message.Replace(id, "X", StringComparison.Ordinal), unknown.Message.Replace("nope", "X", StringComparison.Ordinal));
        Assert.Equal("working", mine["status"]!.GetValue<string>());
        await CallAsync(Alice, "tasks/cancel", new JsonObject { ["taskId"] = id });
    }

    [Fact]
    public async Task Cancelling_stops_the_work_and_the_task_stays_cancelled()
    {
        var created = await CallAsync(Alice, "tools/call", new JsonObject { ["name"] = "forever" });
        var id = created["taskId"]!.GetValue<string>();

        var ack = await CallAsync(Alice, "tasks/cancel", new JsonObject { ["taskId"] = id });
        var cancelled = await WaitForAsync(Alice, id, "cancelled");
        var again = await CallAsync(Alice, "tasks/cancel", new JsonObject { ["taskId"] = id });

        Assert.Equal("complete", ack["resultType"]!.GetValue<string>());
        Assert.Null(cancelled["result"]);
        Assert.Equal("complete", again["resultType"]!.GetValue<string>());
        Assert.True(await Jobs.Stopped(id).WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Tasks_are_reported_by_status_until_they_expire()
    {
        var before = TaskGauges();
        var forever = (await CallAsync(Alice, "tools/call", new JsonObject { ["name"] = "forever" }))["taskId"]!.GetValue<string>();
        var ask = (await CallAsync(Alice, "tools/call", new JsonObject { ["name"] = "ask" }))["taskId"]!.GetValue<string>();
        var instant = (await CallAsync(Alice, "tools/call", new JsonObject { ["name"] = "instant" }))["taskId"]!.GetValue<string>();
        await WaitForAsync(Alice, forever, "working");
        await WaitForAsync(Alice, ask, "input_required");
        await WaitForAsync(Alice, instant, "completed");
        var running = Delta(before, TaskGauges());

        await CallAsync(Alice, "tasks/cancel", new JsonObject { ["taskId"] = forever });
        await WaitForAsync(Alice, forever, "cancelled");
        var cancelled = Delta(before, TaskGauges());

        _time.Advance(TimeSpan.FromMinutes(11)); // every TTL ends; the sweep forgets them
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Delta(before, TaskGauges()).Values.Any(v => v != 0) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.Equal(new Dictionary<string, long> { ["working"] = 1, ["input_required"] = 1, ["completed"] = 1, ["failed"] = 0, ["cancelled"] = 0 }, running);
        Assert.Equal(new Dictionary<string, long> { ["working"] = 0, ["input_required"] = 1, ["completed"] = 1, ["failed"] = 0, ["cancelled"] = 1 }, cancelled);
        Assert.All(Delta(before, TaskGauges()), d => Assert.Equal(0, d.Value));
    }

    /// <summary>contexthub.tasks.active as an exporter reads it: one value per status.</summary>
    private static Dictionary<string, long> TaskGauges()
    {
        var seen = new Dictionary<string, long>(StringComparer.Ordinal);
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == ContextHubTelemetry.Meter && instrument.Name == "contexthub.tasks.active")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) => seen[(string)tags[0].Value!] = value);
        listener.Start();
        listener.RecordObservableInstruments();
        return seen;
    }

    private static Dictionary<string, long> Delta(Dictionary<string, long> before, Dictionary<string, long> after) =>
        after.ToDictionary(a => a.Key, a => a.Value - before.GetValueOrDefault(a.Key), StringComparer.Ordinal);

    [Fact]
    public async Task Input_inside_a_task_waits_in_input_required_until_answered()
    {
        var created = await CallAsync(Alice, "tools/call", new JsonObject { ["name"] = "ask" });
        var id = created["taskId"]!.GetValue<string>();
        var waiting = await WaitForAsync(Alice, id, "input_required");
        var key = waiting["inputRequests"]!.AsObject().Single().Key;

        var ack = await CallAsync(Alice, "tasks/update", new JsonObject
        {
            ["taskId"] = id,
            ["inputResponses"] = new JsonObject { [key] = new JsonObject { ["action"] = "accept", ["content"] = new JsonObject { ["name"] = "Ada" } } },
        });
        var done = await WaitForAsync(Alice, id, "completed");

        Assert.Equal("elicitation/create", waiting["inputRequests"]![key]!["method"]!.GetValue<string>());
        Assert.Equal("complete", ack["resultType"]!.GetValue<string>());
        Assert.Equal("Hello, Ada", done["result"]!["content"]![0]!["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task Without_the_extension_a_required_task_tool_is_refused_and_task_methods_too()
    {
        var manager = _services.GetRequiredService<MessageManager>();

        var refused = await Assert.ThrowsAsync<McpErrorException>(() => manager.InvokeAsync("tools/call", new JsonObject { ["name"] = "forever" }, Alice,
            r => r.ToJsonElement(), CancellationToken.None));
        var get = await Assert.ThrowsAsync<McpErrorException>(() => manager.InvokeAsync("tasks/get", new JsonObject { ["taskId"] = "x" }, Alice,
            r => r.ToJsonElement(), CancellationToken.None));

        Assert.Equal(McpProtocol.ErrorCodes.MissingRequiredClientCapability, refused.Code);
        Assert.NotNull(refused.ErrorData!["requiredCapabilities"]!["extensions"]![TaskWire.ExtensionId]);
        Assert.Equal(McpProtocol.ErrorCodes.MissingRequiredClientCapability, get.Code);
    }

    private async Task<JsonObject> CallAsync(McpCaller caller, string method, JsonObject parameters)
    {
        var manager = _services.GetRequiredService<MessageManager>();
        var capabilities = new JsonObject
        {
            ["elicitation"] = new JsonObject(),
            ["extensions"] = new JsonObject { [TaskWire.ExtensionId] = new JsonObject() },
        };
        return await manager.InvokeAsync(method, parameters, caller,
            r => JsonNode.Parse(r.ToJsonElement().GetRawText())!.AsObject(), CancellationToken.None, clientCapabilities: capabilities);
    }

    private async Task<JsonObject> WaitForAsync(McpCaller caller, string id, string status)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var task = await CallAsync(caller, "tasks/get", new JsonObject { ["taskId"] = id });
            if (task["status"]!.GetValue<string>() == status || DateTime.UtcNow > deadline)
            {
                Assert.Equal(status, task["status"]!.GetValue<string>());
                return task;
            }

            await Task.Delay(10);
        }
    }

    [McpToolType]
    private static class Jobs
    {
        private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, TaskCompletionSource<bool>> StoppedTasks = new();

        /// <summary>Completes when the "forever" call of task <paramref name="taskId"/> saw its cancellation.</summary>
        public static Task<bool> Stopped(string taskId) => StoppedTasks.GetOrAdd(taskId, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

        [McpTool("instant", TaskSupport = ToolTaskSupport.Optional)]
        [Description("Answers at once.")]
        public static string Instant() => "done";

        [McpTool("forever", TaskSupport = ToolTaskSupport.Required)]
        [Description("Runs until cancelled.")]
        public static async Task<string> ForeverAsync(McpCallContext context)
        {
            try
            {
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
                return "never";
            }
            catch (OperationCanceledException)
            {
                StoppedTasks.GetOrAdd(context.CurrentTask!.TaskId, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(true);
                throw;
            }
        }

        [McpTool("ask", TaskSupport = ToolTaskSupport.Optional)]
        [Description("Asks a name inside the task.")]
        public static async Task<string> AskAsync(McpCallContext context)
        {
            var answer = await context.RequestInputAsync("elicitation/create", new JsonObject { ["message"] = "Name?", ["requestedSchema"] = new JsonObject { ["type"] = "object" } });
            return "Hello, " + answer.GetProperty("content").GetProperty("name").GetString();
        }
    }
}

[CollectionDefinition(nameof(TaskManagerTests), DisableParallelization = true)]
public sealed class TaskManagerTestsCollection;
