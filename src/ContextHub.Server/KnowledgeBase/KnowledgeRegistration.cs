using ContextHub.Hosting;
using ContextHub.Knowledge.Elasticsearch;
using ContextHub.Messaging;
using ContextHub.Resources;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ContextHub.Server.KnowledgeBase;

/// <summary>Puts the knowledge store behind the engine: its tools, its resources and the tool-call record.</summary>
public static class KnowledgeRegistration
{
    public static ContextHubBuilder WithKnowledge(this ContextHubBuilder builder, IConfiguration configuration)
    {
        var services = builder.Services;
        services.AddOptions<KnowledgeServerOptions>().Bind(configuration.GetSection(KnowledgeServerOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KnowledgeServerOptions>, KnowledgeServerOptionsValidator>());
        if (!configuration.GetValue($"{KnowledgeServerOptions.Section}:Enabled", true))
        {
            return builder;
        }

        if (configuration.GetValue($"{KnowledgeServerOptions.Section}:Backend", "Embedded") == "Elasticsearch")
        {
            services.AddElasticsearchKnowledgeStoreOptions(configuration);
        }

        services.TryAddSingleton<KnowledgeHost>();
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
}
