using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Text.Json;
using ContextHub.Tasks;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ContextHub.Redis;

/// <summary>
/// Tasks on Redis, so any replica answers <c>tasks/get</c>, <c>tasks/result</c>, <c>tasks/list</c> and <c>tasks/cancel</c>
/// for a task another replica runs. One string per task (<c>{prefix}task:{id}</c>, the record as JSON, expiring with the
/// task's TTL), one sorted set per owner (<c>{prefix}tasks:{owner}</c>, by creation time), and one lease per running task
/// (<c>{prefix}task-lease:{id}</c>) that the replica running it renews. A change is a compare-and-set script that also
/// publishes the new record on the backplane, so the replica running the task stops it when it is cancelled elsewhere and
/// the replica holding the session's stream sends the status notification. A task still working whose lease lapsed (its
/// replica died, or lost Redis) is marked failed by the first read that sees it.
/// </summary>
public sealed partial class RedisTaskStore : ITaskStore, IDisposable
{
    // KEYS[1] task, KEYS[2] owner index, KEYS[3] lease; ARGV: record, ttl ms, created ms, id, lease ms
    private const string CreateScript = """
        if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 0 end
        redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
        if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[2], ARGV[2]) end
        redis.call('SET', KEYS[3], '1', 'PX', ARGV[5])
        return 1
        """;

    // KEYS[1] task, KEYS[2] lease; ARGV: expected record, new record, channel, message, '1' = only when the lease lapsed
    private const string ChangeScript = """
        local current = redis.call('GET', KEYS[1])
        if not current then return -1 end
        if current ~= ARGV[1] then return 0 end
        if ARGV[5] == '1' and redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
        redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
        redis.call('PUBLISH', ARGV[3], ARGV[4])
        return 1
        """;

    // KEYS[1] claim, KEYS[2] task; ARGV: holder, lease ms, '1' = durable (as long as the task)
    private const string ClaimScript = """
        local held = redis.call('GET', KEYS[1])
        if held and held ~= ARGV[1] then return 0 end
        local ms = tonumber(ARGV[2])
        if ARGV[3] == '1' then ms = redis.call('PTTL', KEYS[2]) end
        if ms <= 0 then return 0 end
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ms)
        return 1
        """;

    // KEYS[1] claim; ARGV: holder
    private const string ReleaseScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
        return 0
        """;

    private readonly RedisConnection _redis;
    private readonly RedisBackplane _backplane;
    private readonly TimeProvider _time;
    private readonly ILogger<RedisTaskStore> _logger;
    private readonly TimeSpan _lease;
    private readonly ConcurrentDictionary<string, byte> _held = new(StringComparer.Ordinal);
    private readonly IDisposable _remote;
    private readonly ITimer _renewal;
    private ImmutableArray<Func<TaskRecord, ValueTask>> _handlers = [];

    public RedisTaskStore(RedisConnection redis, RedisBackplane backplane, TimeProvider time, ILogger<RedisTaskStore> logger)
    {
        _redis = redis;
        _backplane = backplane;
        _time = time;
        _logger = logger;
        _lease = redis.Options.TaskLease;
        _remote = backplane.OnTaskChange(OnRemoteChangeAsync);
        var every = _lease / 3;
        _renewal = time.CreateTimer(_ => _ = RenewAsync(), null, every, every);
    }

    private RedisKey TaskKey(string id) => _redis.Key("task:" + id);

    private RedisKey LeaseKey(string id) => _redis.Key("task-lease:" + id);

    private RedisKey OwnerKey(string owner) => _redis.Key("tasks:" + owner);

    public async ValueTask CreateAsync(TaskRecord task, CancellationToken cancellationToken)
    {
        var json = Serialize(task);
        RedisResult created;
        try
        {
            created = await _redis.Database.ScriptEvaluateAsync(CreateScript, [TaskKey(task.TaskId), OwnerKey(task.Owner), LeaseKey(task.TaskId)],
                [json, task.TtlMs, task.CreatedAt.ToUnixTimeMilliseconds(), task.TaskId, (long)_lease.TotalMilliseconds]).WaitAsync(cancellationToken);
        }
        catch (Exception e) when (RedisConnection.IsUnavailable(e))
        {
            throw _redis.Unavailable("task store", e);
        }

        if ((long)created != 1)
        {
            throw new InvalidOperationException($"A task with id '{task.TaskId}' already exists.");
        }

        _held[task.TaskId] = 0;
    }

    public async ValueTask<TaskRecord?> GetAsync(string taskId, CancellationToken cancellationToken)
    {
        RedisValue json;
        bool leased;
        try
        {
            var batch = _redis.Database.CreateBatch();
            var read = batch.StringGetAsync(TaskKey(taskId));
            var lease = batch.KeyExistsAsync(LeaseKey(taskId));
            batch.Execute();
            json = await read.WaitAsync(cancellationToken);
            leased = await lease.WaitAsync(cancellationToken);
        }
        catch (Exception e) when (RedisConnection.IsUnavailable(e))
        {
            throw _redis.Unavailable("task store", e);
        }

        return json.IsNull ? null : await CheckLeaseAsync(json, leased, cancellationToken);
    }

    public async ValueTask<TaskRecord?> UpdateAsync(string taskId, Func<TaskRecord, TaskRecord?> change, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var json = await _redis.Database.StringGetAsync(TaskKey(taskId)).WaitAsync(cancellationToken);
                if (json.IsNull)
                {
                    return null;
                }

                var current = Deserialize(json);
                var next = change(current);
                if (next is null)
                {
                    return current;
                }

                var result = await SwapAsync(taskId, json, next, onlyWithoutLease: false, cancellationToken);
                if (result != 0)
                {
                    return result == 1 ? next : null;
                }

                // Changed meanwhile (by another replica): apply the change again to what is stored now.
            }
        }
        catch (Exception e) when (RedisConnection.IsUnavailable(e))
        {
            throw _redis.Unavailable("task store", e);
        }
    }

    public async ValueTask<IReadOnlyList<TaskRecord>> ListAsync(string owner, CancellationToken cancellationToken)
    {
        var tasks = new List<TaskRecord>();
        try
        {
            var ids = await _redis.Database.SortedSetRangeByRankAsync(OwnerKey(owner)).WaitAsync(cancellationToken);
            if (ids.Length == 0)
            {
                return tasks;
            }

            var batch = _redis.Database.CreateBatch();
            var reads = ids.Select(id => (Id: id, Record: batch.StringGetAsync(TaskKey(id!)), Lease: batch.KeyExistsAsync(LeaseKey(id!)))).ToList();
            batch.Execute();
            var gone = new List<RedisValue>();
            foreach (var (id, record, lease) in reads)
            {
                var json = await record.WaitAsync(cancellationToken);
                if (json.IsNull)
                {
                    gone.Add(id);
                }
                else if (await CheckLeaseAsync(json, await lease.WaitAsync(cancellationToken), cancellationToken) is { } task)
                {
                    tasks.Add(task);
                }
            }

            if (gone.Count > 0)
            {
                await _redis.Database.SortedSetRemoveAsync(OwnerKey(owner), [.. gone]).WaitAsync(cancellationToken);
            }
        }
        catch (Exception e) when (RedisConnection.IsUnavailable(e))
        {
            throw _redis.Unavailable("task store", e);
        }

        return tasks;
    }

    /// <summary>Redis removes tasks itself when their TTL ends (key expiry); the owner lists drop them when next read.</summary>
    public ValueTask<int> RemoveExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken) => ValueTask.FromResult(0);

    public IDisposable? WatchChanges(Func<TaskRecord, ValueTask> handler)
    {
        ImmutableInterlocked.Update(ref _handlers, static (list, h) => list.Add(h), handler);
        return new Registration(() => ImmutableInterlocked.Update(ref _handlers, static (list, h) => list.Remove(h), handler));
    }

    public void Released(string taskId) => _held.TryRemove(taskId, out _);

    public bool IsShared => true;

    public TimeSpan RenewClaimsEvery => _lease / 3;

    private RedisKey ClaimKey(string taskId, string key) => _redis.Key("task-ask:" + taskId + ":" + key);

    public async ValueTask<bool> ClaimDeliveryAsync(string taskId, string key, string holder, bool durable, CancellationToken cancellationToken)
    {
        try
        {
            var claimed = await _redis.Database.ScriptEvaluateAsync(ClaimScript, [ClaimKey(taskId, key), TaskKey(taskId)],
                [holder, (long)_lease.TotalMilliseconds, durable ? "1" : "0"]).WaitAsync(cancellationToken);
            return (long)claimed == 1;
        }
        catch (Exception e) when (RedisConnection.IsUnavailable(e))
        {
            throw _redis.Unavailable("task store", e);
        }
    }

    public async ValueTask ReleaseDeliveryAsync(string taskId, string key, string holder, CancellationToken cancellationToken)
    {
        try
        {
            await _redis.Database.ScriptEvaluateAsync(ReleaseScript, [ClaimKey(taskId, key)], [holder]).WaitAsync(cancellationToken);
        }
        catch (Exception e) when (RedisConnection.IsUnavailable(e))
        {
            // Redis is away: the claim lapses by itself.
            LogReleaseFailed(taskId, e.Message);
        }
    }

    public async ValueTask<bool> ForwardInputAsync(string taskId, JsonElement inputResponses, CancellationToken cancellationToken)
    {
        try
        {
            await _backplane.PublishTaskInputAsync(taskId, inputResponses.GetRawText()).AsTask().WaitAsync(cancellationToken);
            return true;
        }
        catch (Exception e) when (RedisConnection.IsUnavailable(e))
        {
            throw _redis.Unavailable("task store", e);
        }
    }

    public IDisposable? WatchInput(Func<string, JsonElement, ValueTask> handler) =>
        _backplane.OnTaskInput(async (taskId, json) =>
        {
            JsonElement answers;
            try
            {
                using var document = JsonDocument.Parse(json);
                answers = document.RootElement.Clone();
            }
            catch (JsonException e)
            {
                LogBadRecord(e.Message);
                return;
            }

            await handler(taskId, answers);
        });

    /// <summary>A record still working whose lease lapsed: its replica is gone, so it ends failed (once, whoever reads first).</summary>
    private async ValueTask<TaskRecord?> CheckLeaseAsync(RedisValue json, bool leased, CancellationToken cancellationToken)
    {
        var task = Deserialize(json);
        if (leased || task.IsTerminal || _held.ContainsKey(task.TaskId))
        {
            return task;
        }

        const string message = "The replica running this task stopped (or lost Redis) before the task ended; its work is lost. Start it again.";
        var failed = task with
        {
            Status = McpTaskStatus.Failed,
            StatusMessage = message,
            LastUpdatedAt = _time.GetUtcNow(),
            InputRequests = null,
            Error = JsonSerializer.SerializeToElement(new TaskError { Code = Protocol.McpProtocol.ErrorCodes.InternalError, Message = message }, RedisTaskJsonContext.Default.TaskError),
        };
        switch (await SwapAsync(task.TaskId, json, failed, onlyWithoutLease: true, cancellationToken))
        {
            case 1:
                LogLeaseLapsed(task.TaskId);
                await RaiseAsync(failed); // other replicas hear it on the backplane; this one hears it here
                return failed;
            case -1:
                return null;
            default:
                // Someone changed it first: read what is stored now.
                var now = await _redis.Database.StringGetAsync(TaskKey(task.TaskId)).WaitAsync(cancellationToken);
                return now.IsNull ? null : Deserialize(now);
        }
    }

    /// <summary>1 stored, 0 changed meanwhile (or still leased), -1 gone.</summary>
    private async Task<long> SwapAsync(string taskId, RedisValue expected, TaskRecord next, bool onlyWithoutLease, CancellationToken cancellationToken)
    {
        var json = Serialize(next);
        var result = await _redis.Database.ScriptEvaluateAsync(ChangeScript, [TaskKey(taskId), LeaseKey(taskId)],
            [expected, json, _backplane.ChannelName.ToString(), _backplane.SerializeTask(json), onlyWithoutLease ? "1" : "0"]).WaitAsync(cancellationToken);
        var outcome = (long)result;
        if (outcome == 1 && next.IsTerminal)
        {
            _held.TryRemove(taskId, out _);
        }

        return outcome;
    }

    private async ValueTask OnRemoteChangeAsync(string json)
    {
        TaskRecord task;
        try
        {
            task = Deserialize(json);
        }
        catch (JsonException e)
        {
            LogBadRecord(e.Message);
            return;
        }

        await RaiseAsync(task);
    }

    private async ValueTask RaiseAsync(TaskRecord task)
    {
        foreach (var handler in _handlers)
        {
            await handler(task);
        }
    }

    /// <summary>Renews the leases of the tasks this replica runs, in one round trip.</summary>
    private async Task RenewAsync()
    {
        if (_held.IsEmpty)
        {
            return;
        }

        try
        {
            var batch = _redis.Database.CreateBatch();
            var renewals = _held.Keys.Select(id => batch.StringSetAsync(LeaseKey(id), "1", _lease)).ToList();
            batch.Execute();
            await Task.WhenAll(renewals);
        }
        catch (Exception e) when (RedisConnection.IsUnavailable(e))
        {
            LogRenewFailed(e.Message);
        }
    }

    private static string Serialize(TaskRecord task) => JsonSerializer.Serialize(task, TaskJsonContext.Default.TaskRecord);

    private static TaskRecord Deserialize(RedisValue json) =>
        JsonSerializer.Deserialize((string)json!, TaskJsonContext.Default.TaskRecord) ?? throw new JsonException("A task record was null.");

    public void Dispose()
    {
        _renewal.Dispose();
        _remote.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskId} failed: the replica running it stopped renewing its lease")]
    private partial void LogLeaseLapsed(string taskId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Renewing the leases of this replica's tasks failed ({Reason}); they fail elsewhere if Redis stays away past ContextHub:Redis:TaskLease")]
    private partial void LogRenewFailed(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Giving up the sending of a request of task {TaskId} failed ({Reason}); another replica sends it once the claim lapses")]
    private partial void LogReleaseFailed(string taskId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignored a task change from another replica that is not a task record: {Reason}")]
    private partial void LogBadRecord(string reason);

    private sealed class Registration(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }
}

/// <summary>The JSON-RPC error a task ends with when its replica stopped.</summary>
internal sealed class TaskError
{
    public int Code { get; init; }

    public required string Message { get; init; }
}

[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase)]
[System.Text.Json.Serialization.JsonSerializable(typeof(TaskError))]
internal sealed partial class RedisTaskJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
