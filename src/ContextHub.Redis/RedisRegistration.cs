using ContextHub.Redis;
using ContextHub.Sessions;
using ContextHub.Storage.Cache;
using ContextHub.Storage.PubSub;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ContextHub.Hosting;

/// <summary>Registration of the Redis backend: <c>services.AddContextHub(configuration).WithRedis(configuration)</c>.</summary>
public static class RedisRegistration
{
    /// <summary>
    /// Puts sessions, pub/sub and event streams on Redis when <c>ContextHub:Redis:Configuration</c> is set; without it
    /// nothing changes (everything stays in-process).
    /// </summary>
    public static ContextHubBuilder WithRedis(this ContextHubBuilder builder, IConfiguration configuration)
    {
        var section = configuration.GetSection(RedisOptions.Section);
        if (section.GetValue<string>(nameof(RedisOptions.Configuration)) is null)
        {
            return builder;
        }

        builder.Services.AddRedis(section);
        return builder;
    }

    /// <summary>Registers the Redis backend from <paramref name="section"/> (<c>ContextHub:Redis</c>), checked at start.</summary>
    public static IServiceCollection AddRedis(this IServiceCollection services, IConfiguration section)
    {
        services.AddOptions<RedisOptions>().Bind(section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RedisOptions>, RedisOptionsValidator>());
        services.TryAddSingleton<RedisConnection>();
        services.TryAddSingleton<RedisBackplane>();
        services.AddHostedService(sp => sp.GetRequiredService<RedisBackplane>());
        services.Replace(ServiceDescriptor.Singleton<ISessionStore, RedisSessionStore>());
        services.Replace(ServiceDescriptor.Singleton<ISessionEventStore, RedisSessionEventStore>());
        services.Replace(ServiceDescriptor.Singleton<INotificationBus, RedisNotificationBus>());
        services.Replace(ServiceDescriptor.Singleton<ICacheStore, RedisCacheStore>());
        services.Replace(ServiceDescriptor.Singleton<Tasks.ITaskStore, RedisTaskStore>());
        return services;
    }
}
