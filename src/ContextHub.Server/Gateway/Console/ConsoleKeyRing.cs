using ContextHub.Redis;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.StackExchangeRedis;

namespace ContextHub.Server.Gateway.WebConsole;

/// <summary>
/// Where the Data Protection key ring lives, so that every replica can read the console's cookies (and the OpenID
/// Connect handler's state) sealed by another: a folder all replicas share (<see cref="ConsoleOptions.KeyRingPath"/>),
/// else Redis when <c>ContextHub:Redis:Configuration</c> is set (the key <c>{KeyPrefix}dataprotection-keys</c>, through
/// the server's own Redis connection), else the default per-machine ring. A shared ring also fixes the application
/// name, so replicas installed in different folders still derive the same keys.
/// </summary>
internal static class ConsoleKeyRing
{
    public const string ApplicationName = "ContextHub";

    public const string RedisKeyName = "dataprotection-keys";

    /// <summary>
    /// Data Protection reads (or makes) its key ring at start by default: the XML key files, their parser and the
    /// cryptography behind them, in memory for a server that may never see a console cookie. Without that preload the
    /// ring is read the first time a cookie is sealed or opened (a console sign-in, an OpenID Connect round trip), as it
    /// is reread whenever it expires.
    /// </summary>
    private static void LoadOnFirstUse(IServiceCollection services)
    {
        var preload = services.FirstOrDefault(d => d.ServiceType == typeof(IHostedService)
            && d.ImplementationType?.FullName == "Microsoft.AspNetCore.DataProtection.Internal.DataProtectionHostedService");
        if (preload is not null)
        {
            services.Remove(preload);
        }
    }

    public static void Configure(IServiceCollection services, IConfiguration configuration)
    {
        var protection = services.AddDataProtection();
        LoadOnFirstUse(services);
        var path = configuration[$"{ConsoleOptions.Section}:{nameof(ConsoleOptions.KeyRingPath)}"];
        if (!string.IsNullOrWhiteSpace(path))
        {
            protection.SetApplicationName(ApplicationName).PersistKeysToFileSystem(new DirectoryInfo(Path.GetFullPath(path)));
            return;
        }

        if (!string.IsNullOrWhiteSpace(configuration[$"{RedisOptions.Section}:{nameof(RedisOptions.Configuration)}"]))
        {
            protection.SetApplicationName(ApplicationName);
            services.AddOptions<KeyManagementOptions>().Configure<IServiceProvider>((options, provider) =>
            {
                var redis = provider.GetRequiredService<RedisConnection>();
                options.XmlRepository = new RedisXmlRepository(() => redis.Database, redis.Key(RedisKeyName));
            });
        }
    }
}
