using Microsoft.Extensions.Options;

namespace ContextHub.Server.KnowledgeBase;

/// <summary>Checks <see cref="KnowledgeServerOptions"/> at start, naming the setting and the fix.</summary>
public sealed class KnowledgeServerOptionsValidator : IValidateOptions<KnowledgeServerOptions>
{
    public ValidateOptionsResult Validate(string? name, KnowledgeServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }

        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.DataFolder))
        {
            failures.Add($"{KnowledgeServerOptions.Section}:DataFolder is empty; set a folder the server may write to, e.g. \"data\".");
        }

        options.ToolCallRecording.Validate($"{KnowledgeServerOptions.Section}:ToolCallRecording", failures);
        options.ToolCallRetention.Validate($"{KnowledgeServerOptions.Section}:ToolCallRetention", failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
