namespace ContextHub.Tasks;

/// <summary>
/// Where task state lives. The default keeps it in the process; a shared store (Redis) lets any replica answer
/// <c>tasks/get</c> for a task another replica runs. Records are plain data (<see cref="TaskRecord"/>).
/// </summary>
public interface ITaskStore
{
    /// <summary>Stores a new task; returns once a <see cref="GetAsync"/> anywhere would find it.</summary>
    ValueTask CreateAsync(TaskRecord task, CancellationToken cancellationToken);

    ValueTask<TaskRecord?> GetAsync(string taskId, CancellationToken cancellationToken);

    /// <summary>
    /// Applies <paramref name="change"/> atomically to the stored record (it may run more than once under contention;
    /// returning null leaves the record as it is). Returns the record as stored afterwards, or null when there is none.
    /// </summary>
    ValueTask<TaskRecord?> UpdateAsync(string taskId, Func<TaskRecord, TaskRecord?> change, CancellationToken cancellationToken);

    /// <summary>The tasks of one owner, oldest first.</summary>
    ValueTask<IReadOnlyList<TaskRecord>> ListAsync(string owner, CancellationToken cancellationToken);

    /// <summary>Removes every task whose TTL ended at or before <paramref name="now"/>; returns how many.</summary>
    ValueTask<int> RemoveExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Changes this process did not make through <see cref="UpdateAsync"/>: made on another replica, or by the store itself
    /// (a task whose replica stopped). Null when there can be none (one process).
    /// </summary>
    IDisposable? WatchChanges(Func<TaskRecord, ValueTask> handler) => null;

    /// <summary>
    /// Hands answers to a task's input requests to the process that runs it (a shared store); false when that cannot be
    /// done from here (one process: the task runs here or nowhere).
    /// </summary>
    ValueTask<bool> ForwardInputAsync(string taskId, System.Text.Json.JsonElement inputResponses, CancellationToken cancellationToken) => ValueTask.FromResult(false);

    /// <summary>Answers forwarded to this process for the tasks it runs; null when there can be none.</summary>
    IDisposable? WatchInput(Func<string, System.Text.Json.JsonElement, ValueTask> handler) => null;

    /// <summary>True when other processes share these tasks: a task's requests to its client may then go out through another replica.</summary>
    bool IsShared => false;

    /// <summary>
    /// Claims, for <paramref name="holder"/>, the sending of a task's request to the client (<paramref name="key"/>, one of its
    /// <see cref="TaskRecord.InputRequests"/>), so that one replica sends it; a holder calling again renews its claim. A
    /// <paramref name="durable"/> claim (the request goes on a resumable stream) lasts as long as the task; any other lapses
    /// unless renewed, so another replica can send the request again. True when the holder may send it.
    /// </summary>
    ValueTask<bool> ClaimDeliveryAsync(string taskId, string key, string holder, bool durable, CancellationToken cancellationToken) =>
        ValueTask.FromResult(true);

    /// <summary>How often a holder renews a claim that is not durable (well within its lapse).</summary>
    TimeSpan RenewClaimsEvery => Timeout.InfiniteTimeSpan;

    /// <summary>Gives a claim up (the holder's stream ended before the answer), so another replica can send the request.</summary>
    ValueTask ReleaseDeliveryAsync(string taskId, string key, string holder, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>This process stopped running the task (it ended, or its end could not be recorded); a shared store stops vouching for it.</summary>
    void Released(string taskId)
    {
    }
}
