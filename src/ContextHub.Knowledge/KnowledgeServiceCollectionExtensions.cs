using ContextHub.Knowledge;
using ContextHub.Knowledge.Embeddings;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the backend-neutral parts of the knowledge store.</summary>
public static class KnowledgeServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="KnowledgeOptions"/> (chunking, document size limit, embedding batches, hybrid search) from
    /// <c>ContextHub:Knowledge</c> and validates them when the host starts.
    /// </summary>
    public static OptionsBuilder<KnowledgeOptions> AddKnowledgeOptions(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KnowledgeOptions>, KnowledgeOptionsValidator>());
        return services.AddOptions<KnowledgeOptions>().Bind(configuration.GetSection(KnowledgeOptions.Section)).ValidateOnStart();
    }

    /// <summary>
    /// Uses <see cref="HashingEmbeddingGenerator"/> (no model: word overlap only) as the embedding model, sized by
    /// <c>ContextHub:Knowledge:Embeddings:Dimensions</c>.
    /// </summary>
    public static OptionsBuilder<HashingEmbeddingOptions> AddHashingEmbeddings(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HashingEmbeddingOptions>, HashingEmbeddingOptionsValidator>());
        services.TryAddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(sp =>
            new HashingEmbeddingGenerator(sp.GetRequiredService<IOptions<HashingEmbeddingOptions>>().Value.Dimensions));
        return services.AddOptions<HashingEmbeddingOptions>().Bind(configuration.GetSection(HashingEmbeddingOptions.Section)).ValidateOnStart();
    }
}
