using Microsoft.Extensions.Options;

namespace ContextHub.Knowledge.Embeddings;

/// <summary>Checks <see cref="HashingEmbeddingOptions"/> at start, naming the setting and the fix.</summary>
public sealed class HashingEmbeddingOptionsValidator : IValidateOptions<HashingEmbeddingOptions>
{
    public ValidateOptionsResult Validate(string? name, HashingEmbeddingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Dimensions is < 8 or > 4096
            ? ValidateOptionsResult.Fail($"{HashingEmbeddingOptions.Section}:Dimensions is {options.Dimensions}; use 8 to 4096.")
            : ValidateOptionsResult.Success;
    }
}
