using Microsoft.Extensions.Options;

namespace ContextHub.Server.Gateway.WebConsole;

/// <summary>Settings of the web console at <c>/</c>, bound from <c>ContextHub:Console</c>.</summary>
public sealed class ConsoleOptions
{
    public const string Section = "ContextHub:Console";

    /// <summary>Serve the console at <c>/</c> and its sign-in endpoint at <c>/console/session</c>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How long a console sign-in lasts before the person pastes the key again.</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>
    /// A folder every replica shares for the Data Protection key ring (cookies sealed by one replica read by another).
    /// Empty: Redis when <c>ContextHub:Redis:Configuration</c> is set, else the per-machine default.
    /// </summary>
    public string? KeyRingPath { get; set; }
}

/// <summary>Checks <see cref="ConsoleOptions"/> at start, naming the setting and the fix.</summary>
public sealed class ConsoleOptionsValidator : IValidateOptions<ConsoleOptions>
{
    public ValidateOptionsResult Validate(string? name, ConsoleOptions options)
    {
        if (options.SessionLifetime < TimeSpan.FromMinutes(1) || options.SessionLifetime > TimeSpan.FromDays(30))
        {
            return ValidateOptionsResult.Fail($"{ConsoleOptions.Section}:SessionLifetime is {options.SessionLifetime}; use from \"00:01:00\" to \"30.00:00:00\".");
        }

        if (!string.IsNullOrWhiteSpace(options.KeyRingPath))
        {
            try
            {
                Directory.CreateDirectory(Path.GetFullPath(options.KeyRingPath));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                return ValidateOptionsResult.Fail($"{ConsoleOptions.Section}:KeyRingPath '{options.KeyRingPath}' cannot be used as a folder ({e.Message}): give a folder this process may create and write, shared by every replica.");
            }
        }

        return ValidateOptionsResult.Success;
    }
}
