using ContextHub.Server.KnowledgeBase;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ContextHub.Server.Tests.Knowledge;

/// <summary>A <see cref="KnowledgeHost"/> composed from settings the way the server composes it (<see cref="KnowledgeRegistration.AddKnowledgeStore"/>).</summary>
internal static class KnowledgeHosts
{
    /// <summary>The host and the server options it was composed with; the caller disposes the host.</summary>
    public static (KnowledgeHost Host, IOptions<KnowledgeServerOptions> Options) Create(IReadOnlyDictionary<string, string?> settings, ILoggerFactory? loggers = null, TimeProvider? time = null)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.ToDictionary(s => $"{KnowledgeServerOptions.Section}:{s.Key}", s => s.Value))
            .Build();
        var services = new ServiceCollection();
        services.AddSingleton(loggers ?? NullLoggerFactory.Instance);
        services.AddSingleton(time ?? TimeProvider.System);
        services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        Assert.True(services.AddKnowledgeStore(configuration));
        var provider = services.BuildServiceProvider();
        return (provider.GetRequiredService<KnowledgeHost>(), provider.GetRequiredService<IOptions<KnowledgeServerOptions>>());
    }
}
