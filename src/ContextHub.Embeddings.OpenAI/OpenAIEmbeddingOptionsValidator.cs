using Microsoft.Extensions.Options;

namespace ContextHub.Embeddings.OpenAI;

/// <summary>Checks <see cref="OpenAIEmbeddingOptions"/> at start; every message names the setting and the fix.</summary>
public sealed class OpenAIEmbeddingOptionsValidator : IValidateOptions<OpenAIEmbeddingOptions>
{
    private const string S = OpenAIEmbeddingOptions.Section;

    public ValidateOptionsResult Validate(string? name, OpenAIEmbeddingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (!Uri.TryCreate(options.Endpoint, UriKind.Absolute, out var endpoint) || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps))
        {
            failures.Add($"{S}:Endpoint is '{options.Endpoint}'; set the OpenAI-compatible endpoint, e.g. https://api.openai.com/v1 or http://localhost:11434/v1.");
        }

        if (string.IsNullOrWhiteSpace(options.Model))
        {
            failures.Add($"{S}:Model is empty; name the embedding model, e.g. text-embedding-3-small.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
