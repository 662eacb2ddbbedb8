using System.ClientModel;
using ContextHub.Embeddings.OpenAI;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenAI;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers embeddings from an OpenAI-compatible endpoint.</summary>
public static class OpenAIEmbeddingsServiceCollectionExtensions
{
    /// <summary>
    /// Uses an OpenAI-compatible endpoint as the embedding model, with <see cref="OpenAIEmbeddingOptions"/>
    /// (<c>Endpoint</c>, <c>Model</c>, <c>ApiKey</c>) bound from <c>ContextHub:Knowledge:Embeddings</c> and validated
    /// when the host starts.
    /// </summary>
    public static OptionsBuilder<OpenAIEmbeddingOptions> AddOpenAIEmbeddings(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OpenAIEmbeddingOptions>, OpenAIEmbeddingOptionsValidator>());
        services.TryAddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<OpenAIEmbeddingOptions>>().Value;
            return new OpenAIClient(new ApiKeyCredential(options.ApiKey ?? "unused"), new OpenAIClientOptions { Endpoint = new Uri(options.Endpoint!) })
                .GetEmbeddingClient(options.Model!)
                .AsIEmbeddingGenerator();
        });
        return services.AddOptions<OpenAIEmbeddingOptions>().Bind(configuration.GetSection(OpenAIEmbeddingOptions.Section)).ValidateOnStart();
    }
}
