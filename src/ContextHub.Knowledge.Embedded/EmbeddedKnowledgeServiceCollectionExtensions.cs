using ContextHub.Knowledge.Embedded;
using ContextHub.Knowledge.Indexes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the embedded (one SQLite file, in-memory indices) knowledge store.</summary>
public static class EmbeddedKnowledgeServiceCollectionExtensions
{
    /// <summary>
    /// Makes the embedded store the knowledge store: binds <see cref="EmbeddedStoreOptions"/> from
    /// <c>ContextHub:Knowledge:Embedded</c> (file name, durability, BM25 weights and parameters, snippets, vector scans,
    /// polling) and validates them when the host starts. The data folder is the host's to set (configure
    /// <see cref="EmbeddedStoreOptions.DataFolder"/> on the returned builder).
    /// </summary>
    public static OptionsBuilder<EmbeddedStoreOptions> AddEmbeddedKnowledgeStore(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EmbeddedStoreOptions>, EmbeddedStoreOptionsValidator>());
        services.TryAddSingleton<IKnowledgeStoreOpener, EmbeddedKnowledgeStoreOpener>();
        return services.AddOptions<EmbeddedStoreOptions>().Bind(configuration.GetSection(EmbeddedStoreOptions.Section)).ValidateOnStart();
    }
}
