using ContextHub.Hosting;
using ContextHub.Messaging;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ContextHub.Server.Gateway.Security;

/// <summary>Wires authentication (API keys, JWT bearer), authorization and rate limits into the engine and the doors.</summary>
public static class SecurityRegistration
{
    /// <summary>Options, credentials, the access policy, and the Message Manager's rate-limit and authorization steps.</summary>
    public static ContextHubBuilder WithSecurity(this ContextHubBuilder builder, IConfiguration configuration)
    {
        var services = builder.Services;
        services.AddOptions<SecurityOptions>().Bind(configuration.GetSection(SecurityOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SecurityOptions>, SecurityOptionsValidator>());
        // The JwtBearer options and their post-configuration (OIDC discovery from the authority) without an authentication
        // scheme: with a scheme the host would add its own authentication middleware and check every token on every request.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<JwtBearerOptions>, JwtBearerPostConfigureOptions>());
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<SecurityOptions>>((bearer, security) => JwtTokenValidator.Configure(bearer, security.Value));
        services.TryAddSingleton<ApiKeyStore>();
        services.TryAddSingleton<JwtTokenValidator>();
        services.TryAddSingleton<CallerAuthenticator>();
        services.TryAddSingleton<AccessPolicy>();
        services.TryAddSingleton<IMcpAccessPolicy>(sp => sp.GetRequiredService<AccessPolicy>());
        services.AddHostedService<SecurityStartupCheck>();
        return builder.WithFilter<RateLimitFilter>().WithFilter<AuthorizationFilter>();
    }

    /// <summary>Authenticates every door's requests and serves the RFC 9728 protected-resource metadata.</summary>
    public static WebApplication UseContextHubSecurity(this WebApplication app)
    {
        app.UseMiddleware<CallerAuthenticationMiddleware>();
        app.MapGet(CallerAuthenticationMiddleware.MetadataPath, WriteMetadata).WithName("ProtectedResourceMetadata").ExcludeFromDescription();
        app.MapGet(CallerAuthenticationMiddleware.MetadataPath + "/{**resource}", WriteMetadata).ExcludeFromDescription();
        return app;
    }

    private static IResult WriteMetadata(HttpContext context)
    {
        var services = context.RequestServices;
        var options = services.GetRequiredService<IOptions<SecurityOptions>>().Value;
        var resource = options.ResourceUri is { Length: > 0 } configured
            ? configured
            : $"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}/mcp";
        var servers = options.AuthorizationServers.Count > 0 ? options.AuthorizationServers
            : options.Jwt.Authority is { Length: > 0 } authority ? [authority]
            : options.Jwt.Issuer is { Length: > 0 } issuer ? [issuer]
            : [];
        var metadata = new ProtectedResourceMetadata(resource, servers, services.GetRequiredService<AccessPolicy>().KnownScopes, ["header"], "ContextHub");
        return TypedResults.Json(metadata, SecurityJsonContext.Default.ProtectedResourceMetadata);
    }
}

/// <summary>
/// Says at start who may call (one log line), and refuses to go on when the server ended up listening beyond loopback
/// with no authentication (an address set in code, which the options check cannot see): exit code 1.
/// </summary>
internal sealed partial class SecurityStartupCheck(IOptions<SecurityOptions> options, ApiKeyStore keys, IServiceProvider services,
    IHostApplicationLifetime lifetime, ILogger<SecurityStartupCheck> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        var jwt = o.Jwt.Enabled ? o.Jwt.Authority ?? o.Jwt.Issuer ?? "configured keys" : "off";
        if (o.RequireAuthentication)
        {
            LogRequired(logger, keys.FilePath, jwt);
        }
        else
        {
            LogAnonymous(logger, string.Join(' ', o.AnonymousScopes ?? ["*"]), o.AllowAnonymousNonLoopback ? "any address (AllowAnonymousNonLoopback)" : "loopback only");
        }

        lifetime.ApplicationStarted.Register(CheckAddresses);
        return Task.CompletedTask;
    }

    private void CheckAddresses()
    {
        var o = options.Value;
        if (o.RequireAuthentication || o.AllowAnonymousNonLoopback
            || services.GetService<Microsoft.AspNetCore.Hosting.Server.IServer>()?.Features
                .Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>() is not { } feature)
        {
            return;
        }

        if (feature.Addresses.FirstOrDefault(a => !SecurityOptionsValidator.IsLoopbackUrl(a)) is { } exposed)
        {
            LogExposed(logger, exposed);
            Environment.ExitCode = 1;
            lifetime.StopApplication();
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Authentication required: API keys from {KeyFile}, JWT bearer tokens: {Jwt}")]
    private static partial void LogRequired(ILogger logger, string keyFile, string jwt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No authentication required: anonymous callers get scopes '{Scopes}' and the server listens on {Where}. Set ContextHub:Security:RequireAuthentication=true to require API keys or tokens.")]
    private static partial void LogAnonymous(ILogger logger, string scopes, string where);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Listening on {Address}, beyond loopback, with no authentication: stopping. Set ContextHub:Security:RequireAuthentication=true, or ContextHub:Security:AllowAnonymousNonLoopback=true to serve anonymous callers on the network.")]
    private static partial void LogExposed(ILogger logger, string address);
}
