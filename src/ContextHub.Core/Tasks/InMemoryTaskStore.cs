using System.Collections.Concurrent;

namespace ContextHub.Tasks;

/// <summary>The in-process task store (one replica).</summary>
public sealed class InMemoryTaskStore : ITaskStore
{
    private readonly ConcurrentDictionary<string, TaskRecord> _tasks = new(StringComparer.Ordinal);

    public ValueTask CreateAsync(TaskRecord task, CancellationToken cancellationToken)
    {
        if (!_tasks.TryAdd(task.TaskId, task))
        {
            throw new InvalidOperationException($"A task with id '{task.TaskId}' already exists.");
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<TaskRecord?> GetAsync(string taskId, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_tasks.TryGetValue(taskId, out var task) ? task : null);

    public ValueTask<TaskRecord?> UpdateAsync(string taskId, Func<TaskRecord, TaskRecord?> change, CancellationToken cancellationToken)
    {
        while (_tasks.TryGetValue(taskId, out var current))
        {
            var next = change(current);
            if (next is null)
            {
                return ValueTask.FromResult<TaskRecord?>(current);
            }

            if (_tasks.TryUpdate(taskId, next, current))
            {
                return ValueTask.FromResult<TaskRecord?>(next);
            }
        }

        return ValueTask.FromResult<TaskRecord?>(null);
    }

    public ValueTask<IReadOnlyList<TaskRecord>> ListAsync(string owner, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<TaskRecord>>([.. _tasks.Values.Where(t => t.Owner == owner).OrderBy(t => t.CreatedAt).ThenBy(t => t.TaskId, StringComparer.Ordinal)]);

    public ValueTask<int> RemoveExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var removed = 0;
        foreach (var (id, task) in _tasks)
        {
            if (task.ExpiresAt <= now && _tasks.TryRemove(new KeyValuePair<string, TaskRecord>(id, task)))
            {
                removed++;
            }
        }

        return ValueTask.FromResult(removed);
    }
}
