using ContextHub.Hosting;
using ContextHub.Prompts;
using ContextHub.Resources;
using ContextHub.Samples;
using ContextHub.Server.Gateway;
using ContextHub.Server.Gateway.GraphQL;
using ContextHub.Server.Gateway.Rest;
using ContextHub.Server.Gateway.Security;
using ContextHub.Server.Gateway.Stdio;
using ContextHub.Server.Gateway.StreamableHttp;
using ContextHub.Server.Gateway.WebConsole;
using ContextHub.Server.Gateway.WebSockets;
using ContextHub.Server.KnowledgeBase;
using ContextHub.Server.Observability;
using ContextHub.Tools;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ContextHub.Server.Hosting;

/// <summary>Wires the gateway: options, the doors, the samples, and relative folder paths.</summary>
public static class ContextHubServerExtensions
{
    /// <summary>Registers the engine, the gateway and (when <c>ContextHub:Samples:Enabled</c>) the sample tools.</summary>
    public static ContextHubBuilder AddContextHubServer(this IServiceCollection services, IConfiguration configuration)
    {
        var builder = services.AddContextHub(configuration);
        services.AddOptions<GatewayOptions>().Bind(configuration.GetSection(GatewayOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GatewayOptions>, GatewayOptionsValidator>());
        services.TryAddSingleton<OriginGuard>();
        services.TryAddSingleton<StreamableHttpDoor>();
        services.AddWebSocketDoor();
        services.AddRestDoor();
        services.AddGraphQLDoor(configuration);
        services.AddContextHubObservability(configuration);
        services.AddWebConsole(configuration);
        services.PostConfigure<PromptOptions>(o => o.Folder = ResolveFolder(o.Folder));
        services.PostConfigure<ToolOptions>(o => o.Folder = ResolveFolder(o.Folder));
        services.PostConfigure<ResourceOptions>(o =>
        {
            foreach (var key in o.Folders.Keys.ToList())
            {
                o.Folders[key] = ResolveFolder(o.Folders[key])!;
            }
        });
        builder.WithKnowledge(configuration);
        builder.WithSecurity(configuration);
        builder.WithRedis(configuration); // sessions, pub/sub and event streams on Redis when ContextHub:Redis:Configuration is set
        services.PostConfigure<KnowledgeServerOptions>(o =>
        {
            o.DataFolder = Path.GetFullPath(o.DataFolder);
            o.WatchFolder = ResolveFolder(o.WatchFolder);
        });
        var samples = configuration.GetSection(SampleOptions.Section).Get<SampleOptions>() ?? new SampleOptions();
        if (samples.Enabled)
        {
            builder.AddSampleTools();
        }

        if (samples.Conformance)
        {
            // The fixture the MCP conformance suite's server scenarios expect (tests and `--ContextHub:Samples:Conformance=true`).
            builder.AddConformanceFixture();
        }

        return builder;
    }

    /// <summary>Adds the stdio door (the process's stdin and stdout).</summary>
    public static IServiceCollection AddStdioDoor(this IServiceCollection services) => services.AddHostedService<StdioDoor>();

    /// <summary>
    /// Maps every door: MCP Streamable HTTP at <paramref name="pattern"/>, MCP over WebSocket at <c>/ws</c>, REST at
    /// <c>/api/v1</c>, GraphQL at <c>/graphql</c>. <paramref name="app"/> is the application (WebSockets need its middleware).
    /// </summary>
    public static WebApplication MapContextHub(this WebApplication app, string pattern = "/mcp")
    {
        var handler = app.Services.GetRequiredService<StreamableHttpDoor>();
        app.UseContextHubRequestMetrics(pattern);
        app.UseWebSockets(app.Services.GetRequiredService<IOptions<WebSocketDoorOptions>>().Value.ToMiddlewareOptions());
        app.UseContextHubSecurity();
        app.MapPost(pattern, handler.PostAsync).WithName("McpPost").WithTags("MCP").ExcludeFromDescription();
        app.MapGet(pattern, handler.GetAsync).WithName("McpStream").WithTags("MCP").ExcludeFromDescription();
        app.MapDelete(pattern, handler.DeleteAsync).WithName("McpEndSession").WithTags("MCP").ExcludeFromDescription();
        app.MapWebSocketDoor("/ws");
        app.MapRestDoor("/api/v1");
        app.MapGraphQLDoor("/graphql");
        app.MapConsole();
        app.MapGet("/healthz", () => Results.Text("ok")).WithName("Health").ExcludeFromDescription();
        app.MapContextHubObservability();
        return app;
    }

    /// <summary>Relative folders resolve against the working directory when they exist there, else beside the program.</summary>
    private static string? ResolveFolder(string? folder)
    {
        if (string.IsNullOrEmpty(folder) || Path.IsPathRooted(folder))
        {
            return folder;
        }

        var fromCwd = Path.GetFullPath(folder);
        return Directory.Exists(fromCwd) ? fromCwd : Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, folder));
    }
}
