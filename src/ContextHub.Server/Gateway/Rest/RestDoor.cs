namespace ContextHub.Server.Gateway.Rest;

/// <summary>The REST door at <c>/api/v1</c>: resources in the REST sense over the engine's capabilities.</summary>
public static class RestDoor
{
    public static IServiceCollection AddRestDoor(this IServiceCollection services) => services;

    public static IEndpointRouteBuilder MapRestDoor(this IEndpointRouteBuilder endpoints, string prefix = "/api/v1") => endpoints;
}
