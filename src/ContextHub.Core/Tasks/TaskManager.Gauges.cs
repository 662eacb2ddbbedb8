using ContextHub.Storage.Telemetry;

namespace ContextHub.Tasks;

/// <summary>
/// Tasks by status for <c>contexthub_tasks_active</c>: the tasks this replica started, at the status it last saw them
/// in (its own changes and those it read back from the store, such as a cancel made on another replica), until they
/// expire. Each replica reports its own, so a sum over replicas counts every task once.
/// </summary>
public sealed partial class TaskManager
{
    private readonly Dictionary<string, (string Status, DateTimeOffset ExpiresAt)> _held = new(StringComparer.Ordinal);

    private void Hold(TaskRecord task)
    {
        lock (_held)
        {
            _held[task.TaskId] = (task.Status, task.ExpiresAt);
            ContextHubTelemetry.TaskStatusChanged(null, task.Status);
        }
    }

    private void Recount(TaskRecord task)
    {
        lock (_held)
        {
            if (_held.TryGetValue(task.TaskId, out var held) && held.Status != task.Status)
            {
                _held[task.TaskId] = (task.Status, held.ExpiresAt);
                ContextHubTelemetry.TaskStatusChanged(held.Status, task.Status);
            }
        }
    }

    /// <summary>Stops counting tasks whose TTL ended (<paramref name="now"/> null: every task, when the manager goes).</summary>
    private void Forget(DateTimeOffset? now)
    {
        lock (_held)
        {
            foreach (var (id, held) in _held)
            {
                if (now is null || held.ExpiresAt <= now)
                {
                    _held.Remove(id);
                    ContextHubTelemetry.TaskStatusChanged(held.Status, null);
                }
            }
        }
    }
}
