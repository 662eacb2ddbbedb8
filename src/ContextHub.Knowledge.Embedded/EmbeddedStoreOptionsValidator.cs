using Microsoft.Extensions.Options;

namespace ContextHub.Knowledge.Embedded;

/// <summary>Checks <see cref="EmbeddedStoreOptions"/> at start; every message names the setting and the fix.</summary>
public sealed class EmbeddedStoreOptionsValidator : IValidateOptions<EmbeddedStoreOptions>
{
    private const string S = EmbeddedStoreOptions.Section;

    public ValidateOptionsResult Validate(string? name, EmbeddedStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.DataFolder))
        {
            failures.Add("ContextHub:Knowledge:DataFolder is empty; set a folder the server may write to, e.g. \"data\".");
        }

        if (string.IsNullOrWhiteSpace(options.FileName) || options.FileName.IndexOfAny(['/', '\\']) >= 0 || options.FileName.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
        {
            failures.Add($"{S}:FileName is '{options.FileName}'; use a plain file name without folders, e.g. knowledge.db.");
        }

        CheckWeight(options.TextWeight, "TextWeight", failures);
        CheckWeight(options.HeadingWeight, "HeadingWeight", failures);
        CheckWeight(options.TitleWeight, "TitleWeight", failures);
        if (options.TextWeight + options.HeadingWeight + options.TitleWeight <= 0)
        {
            failures.Add($"{S}:TextWeight, HeadingWeight and TitleWeight are all 0; give at least one a positive weight (1 each by default).");
        }

        if (!double.IsFinite(options.Bm25K1) || options.Bm25K1 is < 0 or > 10)
        {
            failures.Add($"{S}:Bm25K1 is {options.Bm25K1}; use 0 to 10 (1.2 is the usual choice).");
        }

        if (!double.IsFinite(options.Bm25B) || options.Bm25B is < 0 or > 1)
        {
            failures.Add($"{S}:Bm25B is {options.Bm25B}; use 0 to 1 (0.75 is the usual choice).");
        }

        if (options.SnippetLimit < 0)
        {
            failures.Add($"{S}:SnippetLimit is {options.SnippetLimit}; use 0 (no FTS5 snippets) or more, e.g. 10.");
        }

        if (options.SnippetTokens is < 4 or > 64)
        {
            failures.Add($"{S}:SnippetTokens is {options.SnippetTokens}; use 4 to 64 (FTS5's limit), e.g. 24.");
        }

        if (options.ParallelScanThreshold < 1)
        {
            failures.Add($"{S}:ParallelScanThreshold is {options.ParallelScanThreshold}; use 1 or more, e.g. 32768.");
        }

        if (options.ExternalChangesPollInterval < TimeSpan.Zero)
        {
            failures.Add($"{S}:ExternalChangesPollInterval is {options.ExternalChangesPollInterval}; use 00:00:00 (no polling) or a positive duration, e.g. 00:00:01.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void CheckWeight(double weight, string setting, List<string> failures)
    {
        if (!double.IsFinite(weight) || weight is < 0 or > 100)
        {
            failures.Add($"{S}:{setting} is {weight}; use 0 to 100 (1 by default).");
        }
    }
}
