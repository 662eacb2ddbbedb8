using Microsoft.Extensions.Options;

namespace ContextHub.Resources;

/// <summary>Checks <see cref="ResourceOptions"/> at start; each message names the setting and the fix.</summary>
public sealed class ResourceOptionsValidator : IValidateOptions<ResourceOptions>
{
    public ValidateOptionsResult Validate(string? name, ResourceOptions options)
    {
        var failures = new List<string>();
        foreach (var (folder, path) in options.Folders)
        {
            if (string.IsNullOrWhiteSpace(path))
            {
                failures.Add($"{ResourceOptions.Section}:Folders:{folder} is empty; set it to the folder served as res://{folder}/..., "
                    + "or to an empty folder to serve nothing under that name.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
