using Microsoft.Extensions.Options;

namespace ContextHub.Tasks;

/// <summary>Settings of long tool calls run as tasks, bound from <c>ContextHub:Tasks</c>.</summary>
public sealed class TaskOptions
{
    public const string Section = "ContextHub:Tasks";

    /// <summary>How long a task is kept (from its creation) when the client asks for nothing else.</summary>
    public TimeSpan DefaultTtl { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The longest TTL a client may ask for; longer asks are cut to this.</summary>
    public TimeSpan MaxTtl { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often clients are told to poll <c>tasks/get</c>.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How often expired tasks are removed.</summary>
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>Checks <see cref="TaskOptions"/> at start; each message names the setting and the fix.</summary>
public sealed class TaskOptionsValidator : IValidateOptions<TaskOptions>
{
    public ValidateOptionsResult Validate(string? name, TaskOptions options)
    {
        var failures = new List<string>();
        if (options.DefaultTtl < TimeSpan.FromSeconds(1))
        {
            failures.Add($"{TaskOptions.Section}:DefaultTtl is {options.DefaultTtl}; use at least \"00:00:01\", e.g. \"01:00:00\".");
        }

        if (options.MaxTtl < options.DefaultTtl)
        {
            failures.Add($"{TaskOptions.Section}:MaxTtl is {options.MaxTtl}, shorter than DefaultTtl {options.DefaultTtl}; make it at least DefaultTtl.");
        }

        if (options.PollInterval < TimeSpan.FromMilliseconds(1))
        {
            failures.Add($"{TaskOptions.Section}:PollInterval is {options.PollInterval}; use a positive time such as \"00:00:00.500\".");
        }

        if (options.CleanupInterval < TimeSpan.FromSeconds(1))
        {
            failures.Add($"{TaskOptions.Section}:CleanupInterval is {options.CleanupInterval}; use at least \"00:00:01\".");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
