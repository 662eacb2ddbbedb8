using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ContextHub.Redis;

/// <summary>Settings of the Redis backend, bound from <c>ContextHub:Redis</c>; without <see cref="Configuration"/> everything stays in-process.</summary>
public sealed class RedisOptions
{
    public const string Section = "ContextHub:Redis";

    /// <summary>A StackExchange.Redis configuration string, e.g. <c>127.0.0.1:6379</c> or <c>redis1:6379,redis2:6379,password=…</c>.</summary>
    public string? Configuration { get; set; }

    /// <summary>Prefix of every key and channel, so several deployments can share one Redis.</summary>
    public string KeyPrefix { get; set; } = "contexthub:";

    /// <summary>How long one Redis operation (or a connection attempt) may take before the request gets an error.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a task stays <c>working</c> after the replica running it stops renewing its lease (it died, or lost Redis);
    /// then the next read marks it failed. Renewed every third of this.
    /// </summary>
    public TimeSpan TaskLease { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The client options: the configuration string plus the choices that keep requests from hanging while Redis is away.</summary>
    internal ConfigurationOptions ToClientOptions()
    {
        var options = ConfigurationOptions.Parse(Configuration!);
        options.AbortOnConnectFail = false; // start without Redis and connect when it comes
        options.BacklogPolicy = BacklogPolicy.FailFast; // while disconnected, fail at once instead of queueing
        options.ReconnectRetryPolicy = new LinearRetry(500);
        var milliseconds = (int)Timeout.TotalMilliseconds;
        options.ConnectTimeout = milliseconds;
        options.SyncTimeout = milliseconds;
        options.AsyncTimeout = milliseconds;
        options.ClientName ??= "contexthub";
        return options;
    }
}

/// <summary>Checks the Redis settings at start; each message names the setting and the fix.</summary>
internal sealed class RedisOptionsValidator : IValidateOptions<RedisOptions>
{
    public ValidateOptionsResult Validate(string? name, RedisOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Configuration))
        {
            failures.Add($"{RedisOptions.Section}:Configuration is empty; set it to a StackExchange.Redis configuration string such as \"127.0.0.1:6379\", or remove the {RedisOptions.Section} section to stay in-process.");
        }
        else
        {
            try
            {
                if (ConfigurationOptions.Parse(options.Configuration).EndPoints.Count == 0)
                {
                    failures.Add($"{RedisOptions.Section}:Configuration '{options.Configuration}' names no server; give host:port, e.g. \"127.0.0.1:6379\".");
                }
            }
            catch (ArgumentException e)
            {
                failures.Add($"{RedisOptions.Section}:Configuration '{options.Configuration}' is not a StackExchange.Redis configuration string ({e.Message}); use e.g. \"127.0.0.1:6379,password=secret\".");
            }
        }

        if (options.Timeout <= TimeSpan.Zero || options.Timeout > TimeSpan.FromMinutes(1))
        {
            failures.Add($"{RedisOptions.Section}:Timeout is {options.Timeout}; use a value between \"00:00:00.050\" and \"00:01:00\" (default \"00:00:02\").");
        }

        if (options.TaskLease < TimeSpan.FromSeconds(1) || options.TaskLease > TimeSpan.FromMinutes(10))
        {
            failures.Add($"{RedisOptions.Section}:TaskLease is {options.TaskLease}; use a value between \"00:00:01\" and \"00:10:00\" (default \"00:00:10\").");
        }

        if (string.IsNullOrEmpty(options.KeyPrefix) || options.KeyPrefix.Any(char.IsWhiteSpace))
        {
            failures.Add($"{RedisOptions.Section}:KeyPrefix '{options.KeyPrefix}' must be non-empty without spaces, e.g. \"contexthub:\".");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
