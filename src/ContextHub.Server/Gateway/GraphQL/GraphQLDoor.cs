using ContextHub.Server.Gateway.Security;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ContextHub.Server.Gateway.GraphQL;

/// <summary>
/// The GraphQL door at <c>/graphql</c>: queries, mutations, and subscriptions over WebSocket. Every field calls the
/// engine through the Message Manager (<see cref="Messaging.DoorInvocation"/>); server events come from the
/// notification bus.
/// </summary>
public static class GraphQLDoor
{
    public static IServiceCollection AddGraphQLDoor(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<GraphQLOptions>().Bind(configuration.GetSection(GraphQLOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GraphQLOptions>, GraphQLOptionsValidator>());
        services.TryAddSingleton<GraphQLExecutor>();
        services.TryAddSingleton<GraphQLHttpHandler>();
        return services;
    }

    public static IEndpointRouteBuilder MapGraphQLDoor(this IEndpointRouteBuilder endpoints, string path = "/graphql")
    {
        endpoints.Map(path, HandleAsync).WithName("GraphQL").WithTags("GraphQL").ExcludeFromDescription();
        return endpoints;
    }

    private static Task HandleAsync(HttpContext context)
    {
        var services = context.RequestServices;
        if (!context.WebSockets.IsWebSocketRequest)
        {
            return services.GetRequiredService<GraphQLHttpHandler>().HandleAsync(context);
        }

        var executor = services.GetRequiredService<GraphQLExecutor>();
        var gateway = services.GetRequiredService<IOptions<GatewayOptions>>().Value;
        var lifetime = services.GetRequiredService<IHostApplicationLifetime>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(GraphQLDoor));
        var originAllowed = services.GetRequiredService<OriginGuard>().IsAllowed(context);
        return RunAsync(context, executor, originAllowed, gateway.MaxRequestBodyBytes, logger, lifetime.ApplicationStopping);
    }

    private static async Task RunAsync(HttpContext context, GraphQLExecutor executor, bool originAllowed, long maxMessageBytes, ILogger logger,
        CancellationToken applicationStopping)
    {
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, applicationStopping);
        await GraphQLWebSocketConnection.RunAsync(context, executor, originAllowed, maxMessageBytes, logger, stopping.Token);
    }
}
