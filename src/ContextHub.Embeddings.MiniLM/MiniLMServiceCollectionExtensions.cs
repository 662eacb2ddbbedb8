using ContextHub.Embeddings.MiniLM;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the local all-MiniLM-L6-v2 embedding model.</summary>
public static class MiniLMServiceCollectionExtensions
{
    /// <summary>
    /// Uses all-MiniLM-L6-v2 (local, offline; loaded on first use) as the embedding model, with
    /// <see cref="MiniLMOptions"/> bound from <c>ContextHub:Knowledge:Embeddings:MiniLM</c> and validated when the host starts.
    /// </summary>
    public static OptionsBuilder<MiniLMOptions> AddMiniLMEmbeddings(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MiniLMOptions>, MiniLMOptionsValidator>());
        services.TryAddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(sp => new MiniLMEmbeddingGenerator(
            sp.GetRequiredService<IOptions<MiniLMOptions>>().Value, sp.GetService<ILogger<MiniLMEmbeddingGenerator>>(), sp.GetService<TimeProvider>()));
        return services.AddOptions<MiniLMOptions>().Bind(configuration.GetSection(MiniLMOptions.Section)).ValidateOnStart();
    }
}
