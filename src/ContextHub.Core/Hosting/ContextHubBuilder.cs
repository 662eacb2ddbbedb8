using ContextHub.Messaging;
using ContextHub.Prompts;
using ContextHub.Resources;
using ContextHub.Service;
using ContextHub.Sessions;
using ContextHub.Storage.Cache;
using ContextHub.Storage.PubSub;
using ContextHub.Tools;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ContextHub.Hosting;

/// <summary>Fluent registration of ContextHub: <c>services.AddContextHub(configuration).WithTools&lt;MyTools&gt;()</c>.</summary>
public sealed class ContextHubBuilder
{
    internal ContextHubBuilder(IServiceCollection services) => Services = services;

    public IServiceCollection Services { get; }

    /// <summary>Adds every <see cref="McpToolAttribute"/> method of <typeparamref name="T"/> as a tool.</summary>
    public ContextHubBuilder WithTools<T>() => WithTools(typeof(T));

    /// <summary>Adds every <see cref="McpToolAttribute"/> method of <paramref name="type"/>, which must be marked <see cref="McpToolTypeAttribute"/>.</summary>
    public ContextHubBuilder WithTools(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        if (!type.IsDefined(typeof(McpToolTypeAttribute), inherit: false))
        {
            throw new ArgumentException($"{type.FullName} is not marked [McpToolType]: mark the class whose [McpTool] methods are tools.", nameof(type));
        }

        Services.AddSingleton(new ToolSource(sp => MethodTool.FromType(type, sp)));
        return this;
    }

    /// <summary>Adds tools built by a factory once the container exists.</summary>
    public ContextHubBuilder WithTools(Func<IServiceProvider, IEnumerable<McpTool>> factory)
    {
        Services.AddSingleton(new ToolSource(factory));
        return this;
    }

    /// <summary>Runs <paramref name="configure"/> against the managers once, at start (resources and prompts in code).</summary>
    public ContextHubBuilder Configure(Action<IServiceProvider> configure)
    {
        Services.AddSingleton(new StartupAction(configure));
        return this;
    }

    /// <summary>Adds a Message Manager pipeline step (authentication, authorization, rate limits).</summary>
    public ContextHubBuilder WithFilter<T>() where T : class, IMcpRequestFilter
    {
        Services.AddSingleton<IMcpRequestFilter, T>();
        return this;
    }
}

/// <summary>A deferred source of tools for the registry.</summary>
public sealed record ToolSource(Func<IServiceProvider, IEnumerable<McpTool>> Create);

/// <summary>Code run once when the engine starts.</summary>
public sealed record StartupAction(Action<IServiceProvider> Run);

public static class ContextHubServiceCollectionExtensions
{
    /// <summary>Registers the MCP engine with in-process storage; options bind from <paramref name="configuration"/> and are checked at start.</summary>
    public static ContextHubBuilder AddContextHub(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<McpServerOptions>().Bind(configuration.GetSection(McpServerOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<McpServerOptions>, McpServerOptionsValidator>());
        services.AddOptions<ResourceOptions>().Bind(configuration.GetSection(ResourceOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ResourceOptions>, ResourceOptionsValidator>());
        services.AddOptions<PromptOptions>().Bind(configuration.GetSection(PromptOptions.Section));
        services.AddOptions<ToolOptions>().Bind(configuration.GetSection(ToolOptions.Section));
        services.AddOptions<Tasks.TaskOptions>().Bind(configuration.GetSection(Tasks.TaskOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<Tasks.TaskOptions>, Tasks.TaskOptionsValidator>());

        services.AddMetrics();
        services.AddHttpClient();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<INotificationBus, InProcessNotificationBus>();
        services.TryAddSingleton<ICacheStore>(sp => new MemoryCacheStore(time: sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<McpMetrics>();
        services.TryAddSingleton<RequestStateProtector>();
        services.TryAddSingleton<ISessionStore, InProcessSessionStore>();
        services.TryAddSingleton<ISessionEventStore, InProcessSessionEventStore>();
        services.TryAddSingleton<SessionManager>();
        services.TryAddSingleton<NotificationHub>();
        services.TryAddSingleton(sp =>
        {
            var registry = new ToolRegistry(sp.GetRequiredService<INotificationBus>());
            foreach (var source in sp.GetServices<ToolSource>())
            {
                foreach (var tool in source.Create(sp))
                {
                    registry.Add(tool);
                }
            }

            return registry;
        });
        services.TryAddSingleton<ToolManager>();
        services.TryAddSingleton<CodeResourceProvider>();
        services.TryAddSingleton<ResourceCache>();
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<ResourceOptions>>().Value;
            var bus = sp.GetRequiredService<INotificationBus>();
            var folders = options.Folders.Select(f => (IResourceProvider)new FileResourceProvider(f.Key, f.Value, bus, options.MaxReadBytes,
                time: sp.GetRequiredService<TimeProvider>()));
            return new ResourceManager(folders.Concat(sp.GetServices<IResourceProvider>()), sp.GetRequiredService<CodeResourceProvider>(),
                sp.GetRequiredService<ResourceCache>(), sp.GetRequiredService<IOptions<McpServerOptions>>());
        });
        services.TryAddSingleton<PromptManager>();
        services.TryAddSingleton<Tasks.ITaskStore, Tasks.InMemoryTaskStore>();
        services.TryAddSingleton<Tasks.TaskManager>();
        services.TryAddSingleton<Tasks.ITaskEvents>(sp => sp.GetRequiredService<Tasks.TaskManager>());
        services.TryAddSingleton<Tasks.TaskService>();
        services.TryAddSingleton<McpService>();
        services.TryAddSingleton<MessageManager>();
        services.AddHostedService<PromptLoader>();
        services.AddHostedService<ToolFileLoader>();
        services.AddHostedService<StartupRunner>();
        return new ContextHubBuilder(services);
    }
}

/// <summary>Builds the registries at start (so the first request does not) and runs the <see cref="StartupAction"/>s.</summary>
internal sealed class StartupRunner(IServiceProvider services) : Microsoft.Extensions.Hosting.IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        services.GetRequiredService<MessageManager>();
        foreach (var action in services.GetServices<StartupAction>())
        {
            action.Run(services);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
