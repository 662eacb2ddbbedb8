namespace ContextHub.Tasks;

/// <summary>A read-only feed of task changes (a door's task subscription); the tasks themselves are reached through the Message Manager.</summary>
public interface ITaskEvents
{
    /// <summary>Raised after a task changes state, with the task as it is now.</summary>
    event Action<TaskRecord>? Changed;
}
