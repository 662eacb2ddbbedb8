using Microsoft.Extensions.Options;

namespace ContextHub.Service;

/// <summary>Settings of the MCP engine, bound from <c>ContextHub:Server</c>.</summary>
public sealed class McpServerOptions
{
    public const string Section = "ContextHub:Server";

    public string Name { get; set; } = "ContextHub";

    public string Title { get; set; } = "ContextHub";

    public string Version { get; set; } = typeof(McpServerOptions).Assembly.GetName().Version?.ToString(3) ?? "0.1.0";

    public string? Instructions { get; set; } = "ContextHub serves tools, resources and prompts. Call tools/list to see what it can do.";

    /// <summary>Items per page in every list method.</summary>
    public int PageSize { get; set; } = 100;

    public TimeSpan ToolTimeout { get; set; } = TimeSpan.FromSeconds(60);

    public TimeSpan SessionIdleTimeout { get; set; } = TimeSpan.FromMinutes(30);

    public int MaxSessions { get; set; } = 10_000;

    /// <summary>Events kept per session stream so a client reconnecting with <c>Last-Event-ID</c> gets what it missed.</summary>
    public int SessionStreamEvents { get; set; } = 1000;

    /// <summary>Signs the <c>requestState</c> of input round trips; replicas behind one load balancer must share it. Empty: random per process.</summary>
    public string? StateSecret { get; set; }
}

/// <summary>Checks <see cref="McpServerOptions"/> at start; each message names the setting and the fix.</summary>
public sealed class McpServerOptionsValidator : IValidateOptions<McpServerOptions>
{
    public ValidateOptionsResult Validate(string? name, McpServerOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Name))
        {
            failures.Add($"{McpServerOptions.Section}:Name is empty; set it to the name clients should see, e.g. \"ContextHub\".");
        }

        if (options.PageSize is < 1 or > 10_000)
        {
            failures.Add($"{McpServerOptions.Section}:PageSize is {options.PageSize}; use a number from 1 to 10000.");
        }

        if (options.ToolTimeout <= TimeSpan.Zero)
        {
            failures.Add($"{McpServerOptions.Section}:ToolTimeout is {options.ToolTimeout}; use a positive time such as \"00:01:00\".");
        }

        if (options.SessionIdleTimeout < TimeSpan.FromSeconds(1))
        {
            failures.Add($"{McpServerOptions.Section}:SessionIdleTimeout is {options.SessionIdleTimeout}; use at least \"00:00:01\".");
        }

        if (options.MaxSessions < 1)
        {
            failures.Add($"{McpServerOptions.Section}:MaxSessions is {options.MaxSessions}; use a positive number.");
        }

        if (options.SessionStreamEvents is < 1 or > 1_000_000)
        {
            failures.Add($"{McpServerOptions.Section}:SessionStreamEvents is {options.SessionStreamEvents}; use 1 to 1000000 (default 1000).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
