namespace ContextHub.Server.Gateway.GraphQL;

/// <summary>The GraphQL door at <c>/graphql</c>: queries, mutations, and subscriptions over WebSocket.</summary>
public static class GraphQLDoor
{
    public static IServiceCollection AddGraphQLDoor(this IServiceCollection services, IConfiguration configuration) => services;

    public static IEndpointRouteBuilder MapGraphQLDoor(this IEndpointRouteBuilder endpoints, string path = "/graphql") => endpoints;
}
