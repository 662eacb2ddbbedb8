using Microsoft.Extensions.Options;

namespace ContextHub.Embeddings.MiniLM;

/// <summary>Checks <see cref="MiniLMOptions"/> at start; every message names the setting and the fix.</summary>
public sealed class MiniLMOptionsValidator : IValidateOptions<MiniLMOptions>
{
    private const string S = MiniLMOptions.Section;

    public ValidateOptionsResult Validate(string? name, MiniLMOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.BatchSize is < 1 or > 1024)
        {
            failures.Add($"{S}:BatchSize is {options.BatchSize}; use 1 to 1024 (16 is the usual choice).");
        }

        if (options.MaxInputCharacters < 16)
        {
            failures.Add($"{S}:MaxInputCharacters is {options.MaxInputCharacters}; use 16 or more (2000 covers the model's 256 tokens).");
        }

        if (options.IntraOpThreads is < 0 or > 1024)
        {
            failures.Add($"{S}:IntraOpThreads is {options.IntraOpThreads}; use 0 (ONNX Runtime chooses) or a thread count.");
        }

        if (options.Quantization is { } quantization && !MiniLMQuantizationNames.TryParse(quantization, out _))
        {
            failures.Add($"{S}:Quantization is '{quantization}'; use Int8 (8-bit weights, the default) or None (the original float32 weights).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
