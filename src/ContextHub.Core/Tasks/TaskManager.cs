using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using ContextHub.Messaging;
using ContextHub.Protocol;
using ContextHub.Sessions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Protocol;

namespace ContextHub.Tasks;

/// <summary>
/// Runs long tool calls as tasks: creates the record before answering (so <c>tasks/get</c> finds it at once), runs the
/// work in the background, keeps the record up to date through <see cref="ITaskStore"/>, carries input requests and
/// their answers, cancels, and removes tasks whose TTL ended. Tasks belong to their owner; anyone else is told the
/// task does not exist.
/// </summary>
public sealed partial class TaskManager : ITaskEvents, IDisposable
{
    private readonly ITaskStore _store;
    private readonly TaskOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<TaskManager> _logger;
    private readonly ConcurrentDictionary<string, RunningTask> _running = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _changeSignals = new(StringComparer.Ordinal);
    private readonly SessionManager _sessions;
    private readonly IDisposable? _elsewhere;
    private readonly IDisposable? _forwardedInput;
    private readonly ITimer _sweep;

    public TaskManager(ITaskStore store, IOptions<TaskOptions> options, TimeProvider time, ILogger<TaskManager> logger, SessionManager sessions)
    {
        _store = store;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _sessions = sessions;
        _sweep = time.CreateTimer(_ => _ = SweepAsync(), null, _options.CleanupInterval, _options.CleanupInterval);
        _elsewhere = store.WatchChanges(OnChangedElsewhereAsync);
        _forwardedInput = store.WatchInput(OnInputForwardedAsync);
    }

    /// <summary>Raised after every change of a task's record (status notifications, subscriptions).</summary>
    public event Action<TaskRecord>? Changed;

    public TaskOptions Options => _options;

    /// <summary>Who owns tasks made by this request: its session, else the authenticated caller.</summary>
    public static string OwnerOf(McpRequest request) =>
        request.Session is { } session ? SessionOwnerPrefix + session.Id : "caller:" + request.Caller.Identity;

    /// <summary>-32021 naming the tasks extension: the client must declare it for this.</summary>
    public static McpErrorException ExtensionRequired(string what) =>
        new(McpProtocol.ErrorCodes.MissingRequiredClientCapability,
            $"{what} needs the client capability extensions[\"{TaskWire.ExtensionId}\"], which the request did not declare.",
            new JsonObject { ["requiredCapabilities"] = new JsonObject { ["extensions"] = new JsonObject { [TaskWire.ExtensionId] = new JsonObject() } } });

    /// <summary>
    /// Creates a task and starts <paramref name="work"/> in the background; returns once the record is stored.
    /// <paramref name="work"/> gets the running task (for input requests) and the token that cancelling it trips.
    /// </summary>
    public async Task<TaskRecord> StartAsync(McpRequest request, string toolName, string wire, long? requestedTtlMs,
        Func<RunningTask, CancellationToken, ValueTask<CallToolResult>> work, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var ttl = requestedTtlMs is > 0 ? Math.Min(requestedTtlMs.Value, (long)_options.MaxTtl.TotalMilliseconds) : (long)_options.DefaultTtl.TotalMilliseconds;
        var record = new TaskRecord
        {
            TaskId = NewId(),
            Owner = OwnerOf(request),
            ToolName = toolName,
            Wire = wire,
            CreatedAt = now,
            LastUpdatedAt = now,
            TtlMs = ttl,
            PollIntervalMs = Math.Max(1, (long)_options.PollInterval.TotalMilliseconds),
        };
        var running = new RunningTask(record.TaskId, wire, request.Session);
        _running[record.TaskId] = running;
        try
        {
            await _store.CreateAsync(record, cancellationToken);
        }
        catch
        {
            _running.TryRemove(record.TaskId, out _);
            running.Cancellation.Dispose();
            throw;
        }

        Hold(record);
        Publish(record);
        running.Work = Task.Run(() => RunAsync(running, work), CancellationToken.None);
        return record;
    }

    private async Task RunAsync(RunningTask running, Func<RunningTask, CancellationToken, ValueTask<CallToolResult>> work)
    {
        try
        {
            await RunToEndAsync(running, work);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The end could not be recorded (the store is away): a shared store reports the task failed once this
            // replica stops vouching for it.
            LogFinishFailed(e, running.TaskId);
        }
        finally
        {
            running.Done.TrySetResult();
            _running.TryRemove(running.TaskId, out _);
            _store.Released(running.TaskId);
            running.Cancellation.Dispose();
        }
    }

    private async Task RunToEndAsync(RunningTask running, Func<RunningTask, CancellationToken, ValueTask<CallToolResult>> work)
    {
        var token = running.Cancellation.Token;
        try
        {
            var result = await work(running, token);
            var json = JsonSerializer.SerializeToElement(result, McpJson.TypeInfo<CallToolResult>());
            await FinishAsync(running.TaskId, McpTaskStatus.Completed, result: json);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            await FinishAsync(running.TaskId, McpTaskStatus.Cancelled, message: "The task was cancelled.");
        }
        catch (McpErrorException e)
        {
            await FinishAsync(running.TaskId, McpTaskStatus.Failed, message: e.Message, error: ErrorObject(e.Code, e.Message, e.ErrorData));
        }
        catch (Exception e)
        {
            LogTaskFailed(e, running.TaskId);
            await FinishAsync(running.TaskId, McpTaskStatus.Failed, message: e.Message,
                error: ErrorObject(McpProtocol.ErrorCodes.InternalError, $"Internal error while running task {running.TaskId}.", null));
        }
    }

    private async Task FinishAsync(string taskId, string status, string? message = null, JsonElement? result = null, JsonElement? error = null)
    {
        var now = _time.GetUtcNow();
        var stored = await _store.UpdateAsync(taskId, t => t.IsTerminal ? null : t with
        {
            Status = status,
            StatusMessage = message,
            LastUpdatedAt = now,
            Result = result,
            Error = error,
            InputRequests = null,
        }, CancellationToken.None);
        if (stored is not null)
        {
            Publish(stored);
        }
    }

    /// <summary>The live side of a task this replica runs, or null.</summary>
    public RunningTask? Running(string taskId) => _running.TryGetValue(taskId, out var running) ? running : null;

    /// <summary>The caller's task, or -32602 when there is none (unknown, expired, or someone else's).</summary>
    public async Task<TaskRecord> GetAsync(McpRequest request, string taskId, CancellationToken cancellationToken)
    {
        var task = await _store.GetAsync(taskId, cancellationToken);
        if (task is null || task.Owner != OwnerOf(request) || task.ExpiresAt <= _time.GetUtcNow())
        {
            throw UnknownTask(taskId);
        }

        return task;
    }

    public async Task<IReadOnlyList<TaskRecord>> ListAsync(McpRequest request, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        return [.. (await _store.ListAsync(OwnerOf(request), cancellationToken)).Where(t => t.ExpiresAt > now)];
    }

    /// <summary>
    /// Cancels the caller's task. A task already finished stays as it is; <paramref name="terminalIsError"/> makes that
    /// -32602 (2025-11-25) instead of a quiet no-op (2026-07-28).
    /// </summary>
    public async Task<TaskRecord> CancelAsync(McpRequest request, string taskId, bool terminalIsError, CancellationToken cancellationToken)
    {
        var task = await GetAsync(request, taskId, cancellationToken);
        if (task.IsTerminal)
        {
            return terminalIsError
                ? throw McpErrorException.InvalidParams($"Task '{taskId}' is already {task.Status} and cannot be cancelled.", "taskId")
                : task;
        }

        var now = _time.GetUtcNow();
        var stored = await _store.UpdateAsync(taskId, t => t.IsTerminal ? null : t with
        {
            Status = McpTaskStatus.Cancelled,
            StatusMessage = "Cancelled by the client.",
            LastUpdatedAt = now,
            InputRequests = null,
        }, cancellationToken) ?? throw UnknownTask(taskId);
        if (_running.TryGetValue(taskId, out var running))
        {
            await running.Cancellation.CancelAsync();
        }

        Publish(stored);
        return stored;
    }

    /// <summary>Delivers answers to a task's input requests (2026-07-28 <c>tasks/update</c>); keys it does not wait on are ignored.</summary>
    public async Task UpdateAsync(McpRequest request, string taskId, JsonElement inputResponses, CancellationToken cancellationToken)
    {
        var task = await GetAsync(request, taskId, cancellationToken);
        if (inputResponses.ValueKind != JsonValueKind.Object)
        {
            throw McpErrorException.InvalidParams("inputResponses must be an object keyed by the ids of the task's inputRequests", "inputResponses");
        }

        if (task.IsTerminal)
        {
            return;
        }

        if (!_running.TryGetValue(taskId, out var running))
        {
            // Run by another replica: the answers go there first, then the record changes (so a lost hand-over never
            // shows as answered).
            var asked = inputResponses.EnumerateObject().Where(p => task.InputRequests?.ContainsKey(p.Name) == true).Select(p => p.Name)
                .ToHashSet(StringComparer.Ordinal);
            if (asked.Count > 0 && await _store.ForwardInputAsync(taskId, inputResponses, cancellationToken))
            {
                await ChangeAsync(taskId, t => WithoutAnswered(t, asked));
            }

            return;
        }

        var answered = new List<(TaskCompletionSource<JsonElement> Waiter, JsonElement Answer)>();
        foreach (var response in inputResponses.EnumerateObject())
        {
            if (running.Pending.TryRemove(response.Name, out var waiter))
            {
                answered.Add((waiter, response.Value.Clone()));
            }
        }

        if (answered.Count == 0)
        {
            return;
        }

        // The record changes before the ack, so the next tasks/get already shows what is still pending.
        var keys = inputResponses.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        await ChangeAsync(taskId, t => WithoutAnswered(t, keys));
        foreach (var (waiter, answer) in answered)
        {
            waiter.TrySetResult(answer);
        }
    }

    private static TaskRecord WithoutAnswered(TaskRecord t, HashSet<string> keys)
    {
        var left = t.InputRequests?.Where(i => !keys.Contains(i.Key)).ToDictionary(i => i.Key, i => i.Value, StringComparer.Ordinal);
        return t with
        {
            InputRequests = left is { Count: > 0 } ? left : null,
            Status = left is { Count: > 0 } ? McpTaskStatus.InputRequired : McpTaskStatus.Working,
            StatusMessage = left is { Count: > 0 } ? t.StatusMessage : null,
        };
    }

    /// <summary>Answers a client gave another replica for a task this one runs.</summary>
    private ValueTask OnInputForwardedAsync(string taskId, JsonElement inputResponses)
    {
        if (_running.TryGetValue(taskId, out var running) && inputResponses.ValueKind == JsonValueKind.Object)
        {
            foreach (var response in inputResponses.EnumerateObject())
            {
                if (running.Pending.TryRemove(response.Name, out var waiter))
                {
                    waiter.TrySetResult(response.Value.Clone());
                }
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// 2025-11-25 <c>tasks/result</c>: waits until the task ends, meanwhile lending <paramref name="channel"/> to the task
    /// for its requests to the client; returns the record as it ended.
    /// </summary>
    public async Task<TaskRecord> WaitAsync(McpRequest request, string taskId, IMcpChannel? channel, CancellationToken cancellationToken)
    {
        var task = await GetAsync(request, taskId, cancellationToken);
        if (_store.IsShared && task.Wire == TaskWire.Experimental && channel is { CanSendRequests: true })
        {
            return await WaitRelayingAsync(request, task, channel, cancellationToken);
        }

        while (!task.IsTerminal)
        {
            if (_running.TryGetValue(taskId, out var running))
            {
                if (channel is { CanSendRequests: true })
                {
                    running.OfferChannel(channel);
                }

                await running.Done.Task.WaitAsync(cancellationToken);
            }
            else
            {
                // Run by another replica: wait for its change to arrive (or poll the shared record, should it not).
                var signal = _changeSignals.GetOrAdd(taskId, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
                task = await GetAsync(request, taskId, cancellationToken);
                if (task.IsTerminal)
                {
                    break;
                }

                await Task.WhenAny(signal.Task, Task.Delay(TimeSpan.FromMilliseconds(task.PollIntervalMs), _time, cancellationToken));
                cancellationToken.ThrowIfCancellationRequested();
            }

            task = await GetAsync(request, taskId, cancellationToken);
        }

        return task;
    }

    /// <summary>Asks the client for input from inside a running task and waits for the answer.</summary>
    public async Task<JsonElement> RequestInputAsync(RunningTask running, string method, JsonObject parameters, string key, CancellationToken cancellationToken)
    {
        var request = new JsonObject { ["method"] = method, ["params"] = parameters };
        if (running.Wire == TaskWire.Extension)
        {
            var waiter = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
            running.Pending[key] = waiter;
            var element = TaskWire.ToElement(request);
            await ChangeAsync(running.TaskId, t => t with
            {
                Status = McpTaskStatus.InputRequired,
                StatusMessage = "Waiting for the client's input.",
                InputRequests = new Dictionary<string, JsonElement>(t.InputRequests ?? new Dictionary<string, JsonElement>(), StringComparer.Ordinal) { [key] = element },
            });
            try
            {
                return await waiter.Task.WaitAsync(cancellationToken);
            }
            finally
            {
                running.Pending.TryRemove(key, out _);
            }
        }

        // 2025-11-25: the request goes to the client as a real request tied to the task, on the session's stream or a
        // waiting tasks/result.
        parameters["_meta"] = TaskWire.RelatedTask(running.TaskId);
        if (_store.IsShared && running.Session is { Shared: true } shared)
        {
            return await AskThroughAnyReplicaAsync(running, shared, method, parameters, cancellationToken);
        }

        await ChangeAsync(running.TaskId, t => t with { Status = McpTaskStatus.InputRequired, StatusMessage = $"Waiting for the client to answer {method}." });
        try
        {
            var channel = running.Session?.StandaloneChannel is { CanSendRequests: true } standalone
                ? standalone
                : await running.WaitForChannelAsync(cancellationToken);
            return await channel.SendRequestAsync(method, parameters, CoreJsonContext.Default.JsonObject, cancellationToken);
        }
        finally
        {
            await ChangeAsync(running.TaskId, t => t with { Status = McpTaskStatus.Working, StatusMessage = null });
        }
    }

    private async Task ChangeAsync(string taskId, Func<TaskRecord, TaskRecord> change)
    {
        var now = _time.GetUtcNow();
        var stored = await _store.UpdateAsync(taskId, t => t.IsTerminal ? null : change(t) with { LastUpdatedAt = now }, CancellationToken.None);
        if (stored is not null)
        {
            Publish(stored);
        }
    }

    /// <summary>
    /// Tells listeners about a change; a 2025-11-25 task also tells its session (<c>notifications/tasks/status</c> on the
    /// session's stream, when one is open).
    /// </summary>
    private void Publish(TaskRecord task)
    {
        Recount(task);
        Changed?.Invoke(task);
        if (_changeSignals.TryRemove(task.TaskId, out var signal))
        {
            signal.TrySetResult();
        }

        if (task.Wire != TaskWire.Experimental)
        {
            return;
        }

        if (_store.IsShared)
        {
            OnRelayable(task);
        }

        // Each replica tells the streams it holds: the session's stream may be open on a replica that does not run the task.
        var session = _running.TryGetValue(task.TaskId, out var running) ? running.Session
            : task.Owner.StartsWith(SessionOwnerPrefix, StringComparison.Ordinal) ? _sessions.Find(task.Owner[SessionOwnerPrefix.Length..]) : null;
        if (session?.StandaloneChannel is { } channel)
        {
            _ = NotifyAsync(channel, task);
        }
    }

    /// <summary>A change made on another replica (or by the store): stop the work here if it ended there, and tell listeners.</summary>
    private async ValueTask OnChangedElsewhereAsync(TaskRecord task)
    {
        if (task.IsTerminal && _running.TryGetValue(task.TaskId, out var running))
        {
            try
            {
                await running.Cancellation.CancelAsync();
            }
            catch (ObjectDisposedException)
            {
                // It finished meanwhile.
            }
        }

        Publish(task);
    }

    private const string SessionOwnerPrefix = "session:";

    private async Task NotifyAsync(IMcpChannel channel, TaskRecord task)
    {
        try
        {
            await channel.SendNotificationAsync("notifications/tasks/status", TaskWire.ExperimentalTask(task), CoreJsonContext.Default.JsonObject, CancellationToken.None);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The stream closed: the client polls tasks/get instead.
            LogNotifyFailed(e, task.TaskId);
        }
    }

    /// <summary>Removes expired tasks and stops the work of those still running.</summary>
    public async Task SweepAsync()
    {
        try
        {
            var now = _time.GetUtcNow();
            await _store.RemoveExpiredAsync(now, CancellationToken.None);
            Forget(now);
            foreach (var (id, running) in _running)
            {
                if (await _store.GetAsync(id, CancellationToken.None) is null)
                {
                    await running.Cancellation.CancelAsync();
                }
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogSweepFailed(e);
        }
    }

    public static McpErrorException UnknownTask(string taskId) =>
        McpErrorException.NotFound($"Unknown task '{taskId}': it does not exist, it expired, or it is not yours.", "taskId");

    private static JsonElement ErrorObject(int code, string message, JsonNode? data)
    {
        var error = new JsonObject { ["code"] = code, ["message"] = message };
        if (data is not null)
        {
            error["data"] = data.DeepClone();
        }

        return TaskWire.ToElement(error);
    }

    private static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public void Dispose()
    {
        _sweep.Dispose();
        Forget(null);
        _elsewhere?.Dispose();
        _forwardedInput?.Dispose();
        foreach (var running in _running.Values)
        {
            try
            {
                running.Cancellation.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // It finished meanwhile.
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskId} failed")]
    private partial void LogTaskFailed(Exception exception, string taskId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Status notification for task {TaskId} not sent")]
    private partial void LogNotifyFailed(Exception exception, string taskId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The end of task {TaskId} could not be recorded")]
    private partial void LogFinishFailed(Exception exception, string taskId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Removing expired tasks failed")]
    private partial void LogSweepFailed(Exception exception);
}

/// <summary>The live side of a task on the replica that runs it: its cancellation, pending input, and a way to the client.</summary>
public sealed class RunningTask(string taskId, string wire, McpSession? session)
{
    private readonly TaskCompletionSource<IMcpChannel> _channel = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _asks;

    public string TaskId { get; } = taskId;

    public string Wire { get; } = wire;

    public McpSession? Session { get; } = session;

    internal CancellationTokenSource Cancellation { get; } = new();

    internal ConcurrentDictionary<string, TaskCompletionSource<JsonElement>> Pending { get; } = new(StringComparer.Ordinal);

    internal TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal Task? Work { get; set; }

    /// <summary>A key for an ask that names none (server-minted, unique in the task).</summary>
    public string NextKey(string method) => $"{method.Replace('/', '-')}-{Interlocked.Increment(ref _asks)}";

    internal void OfferChannel(IMcpChannel channel) => _channel.TrySetResult(channel);

    internal async Task<IMcpChannel> WaitForChannelAsync(CancellationToken cancellationToken)
    {
        return await _channel.Task.WaitAsync(cancellationToken);
    }
}
