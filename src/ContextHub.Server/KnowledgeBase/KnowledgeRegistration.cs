using ContextHub.Hosting;
using ContextHub.Messaging;
using ContextHub.Resources;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ContextHub.Server.KnowledgeBase;

/// <summary>
/// The one place the knowledge store is composed from configuration: which backend, which embedding model, and the
/// store's tools, resources and tool-call record behind the engine.
/// </summary>
public static class KnowledgeRegistration
{
    /// <summary>Serves the knowledge store (when <c>ContextHub:Knowledge:Enabled</c>): tools, <c>kb://</c> resources, the tool-call record, the folder watch.</summary>
    public static ContextHubBuilder WithKnowledge(this ContextHubBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (!builder.Services.AddKnowledgeStore(configuration))
        {
            return builder;
        }

        var services = builder.Services;
        services.AddHostedService(sp => sp.GetRequiredService<KnowledgeHost>());
        services.AddSingleton<IResourceProvider, KnowledgeResourceProvider>();
        if (configuration.GetValue($"{KnowledgeServerOptions.Section}:RecordToolCalls", true))
        {
            services.TryAddSingleton<ToolCallRecorder>();
            services.AddSingleton<IMcpResultRecorder>(sp => sp.GetRequiredService<ToolCallRecorder>());
            services.AddHostedService(sp => sp.GetRequiredService<ToolCallRecorder>());
        }

        services.AddHostedService<KnowledgeFolderWatcher>();
        return builder.WithTools(typeof(KnowledgeTools));
    }

    /// <summary>
    /// Registers the <see cref="KnowledgeHost"/> with the backend and embedding model that configuration chooses, each
    /// with its options bound and validated at start; false (and nothing but the options) when the store is disabled.
    /// A choice that names no backend or model stops here, naming the setting and the values it takes.
    /// </summary>
    public static bool AddKnowledgeStore(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(KnowledgeServerOptions.Section);
        services.AddOptions<KnowledgeServerOptions>().Bind(section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KnowledgeServerOptions>, KnowledgeServerOptionsValidator>());
        if (!section.GetValue(nameof(KnowledgeServerOptions.Enabled), true))
        {
            return false;
        }

        services.AddKnowledgeOptions(configuration);
        switch (Choose(section, nameof(KnowledgeServerOptions.Backend), KnowledgeBackend.Embedded))
        {
            case KnowledgeBackend.Elasticsearch:
                services.AddElasticsearchKnowledgeStore(configuration);
                break;
            default:
                services.AddEmbeddedKnowledgeStore(configuration)
                    .Configure<IOptions<KnowledgeServerOptions>>((store, server) => store.DataFolder = server.Value.DataFolder);
                break;
        }

        switch (Choose(section.GetSection(nameof(KnowledgeServerOptions.Embeddings)), nameof(KnowledgeEmbeddingOptions.Provider), EmbeddingProvider.MiniLM))
        {
            case EmbeddingProvider.OpenAI:
                services.AddOpenAIEmbeddings(configuration);
                break;
            case EmbeddingProvider.Hashing:
                services.AddHashingEmbeddings(configuration);
                break;
            default:
                services.AddMiniLMEmbeddings(configuration);
                services.TryAddSingleton<IStoredModelMatcher>(sp => new StoredModelMatcher(storeModelId =>
                    (sp.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>() as ContextHub.Embeddings.MiniLM.MiniLMEmbeddingGenerator)
                        ?.MatchStore(storeModelId)));
                break;
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<KnowledgeHost>();
        return true;
    }

    /// <summary>The configured value (any case), the default when unset; a value that is no choice is refused at once.</summary>
    private static T Choose<T>(IConfigurationSection section, string key, T fallback) where T : struct, Enum
    {
        var value = section[key];
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }

        if (Enum.TryParse<T>(value.Trim(), ignoreCase: true, out var choice) && Enum.IsDefined(choice) && !char.IsAsciiDigit(value.Trim()[0]))
        {
            return choice;
        }

        var setting = $"{section.Path}:{key}";
        var message = $"{setting} is '{value}'; use {string.Join(", ", Enum.GetNames<T>()[..^1])} or {Enum.GetNames<T>()[^1]}.";
        throw new OptionsValidationException(setting, typeof(T), [message]);
    }
}
