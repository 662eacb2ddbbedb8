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
}

/// <summary>Checks <see cref="ConsoleOptions"/> at start, naming the setting and the fix.</summary>
public sealed class ConsoleOptionsValidator : IValidateOptions<ConsoleOptions>
{
    public ValidateOptionsResult Validate(string? name, ConsoleOptions options) =>
        options.SessionLifetime < TimeSpan.FromMinutes(1) || options.SessionLifetime > TimeSpan.FromDays(30)
            ? ValidateOptionsResult.Fail($"{ConsoleOptions.Section}:SessionLifetime is {options.SessionLifetime}; use from \"00:01:00\" to \"30.00:00:00\".")
            : ValidateOptionsResult.Success;
}
