using ContextHub.Knowledge.Elasticsearch;
using ContextHub.Knowledge.Indexes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Elasticsearch knowledge store.</summary>
public static class ElasticsearchKnowledgeServiceCollectionExtensions
{
    /// <summary>
    /// Makes Elasticsearch the knowledge store: binds and validates <see cref="ElasticsearchStoreOptions"/> (see
    /// <see cref="AddElasticsearchKnowledgeStoreOptions"/>) and registers the <see cref="IKnowledgeStoreOpener"/> the
    /// host opens the store with when it starts.
    /// </summary>
    public static OptionsBuilder<ElasticsearchStoreOptions> AddElasticsearchKnowledgeStore(this IServiceCollection services, IConfiguration configuration)
    {
        var options = services.AddElasticsearchKnowledgeStoreOptions(configuration);
        services.TryAddSingleton<IKnowledgeStoreOpener, ElasticsearchKnowledgeStoreOpener>();
        return options;
    }

    /// <summary>
    /// Binds <see cref="ElasticsearchStoreOptions"/> from <c>ContextHub:Knowledge:Elasticsearch</c>
    /// (<c>Url</c>, <c>ApiKey</c>, <c>Username</c>, <c>Password</c>, <c>IndexPrefix</c>, …) and validates them when the
    /// host starts, each failure naming the setting and the fix. Open the store with
    /// <see cref="ElasticsearchKnowledgeStore.OpenAsync(ElasticsearchStoreOptions, Microsoft.Extensions.Logging.ILogger{ElasticsearchKnowledgeStore}?, CancellationToken)"/>.
    /// </summary>
    public static OptionsBuilder<ElasticsearchStoreOptions> AddElasticsearchKnowledgeStoreOptions(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ElasticsearchStoreOptions>, ElasticsearchStoreOptionsValidator>());
        return services.AddOptions<ElasticsearchStoreOptions>()
            .Bind(configuration.GetSection(ElasticsearchStoreOptions.Section))
            .ValidateOnStart();
    }
}
