using ContextHub.Protocol;
using ContextHub.Server.Gateway.Security;
using Microsoft.Extensions.Options;
using Scalar.AspNetCore;

namespace ContextHub.Server.Gateway.Rest;

/// <summary>
/// The REST door at <c>/api/v1</c>: resources in the REST sense over the engine's capabilities (tools, resources,
/// prompts, completions), every call through the <see cref="Messaging.MessageManager"/>. Errors are RFC 7807 problems
/// mapped from the engine's error kinds. The OpenAPI 3.1 document is served at <c>/openapi/v1.json</c> and an
/// interactive reference (Scalar, served from the package's own assets, no CDN, fonts or telemetry) at <c>/scalar</c>.
/// </summary>
public static partial class RestDoor
{
    public const string DocumentName = "v1";

    public const string OpenApiPattern = "/openapi/{documentName}.json";

    public const string ReferencePath = "/scalar";

    public static IServiceCollection AddRestDoor(this IServiceCollection services)
    {
        services.AddOpenApi(DocumentName, options =>
        {
            options.OpenApiVersion = Microsoft.OpenApi.OpenApiSpecVersion.OpenApi3_1;

            // Only the REST door is described: the MCP, WebSocket and GraphQL doors speak their own protocols.
            options.ShouldInclude = description => description.ActionDescriptor.EndpointMetadata.OfType<RestDoorEndpoint>().Any();
            options.AddDocumentTransformer<RestOpenApiDocumentTransformer>();
            options.AddSchemaTransformer<RestOpenApiSchemaTransformer>();
        });
        return services;
    }

    public static IEndpointRouteBuilder MapRestDoor(this IEndpointRouteBuilder endpoints, string prefix = "/api/v1")
    {
        var maxBody = endpoints.ServiceProvider.GetRequiredService<IOptions<GatewayOptions>>().Value.MaxRequestBodyBytes;
        var api = endpoints.MapGroup(prefix)
            .WithMetadata(RestDoorEndpoint.Instance, new RestBodyLimit(maxBody))
            .AddEndpointFilter(GuardAsync);
        ToolEndpoints.Map(api);
        ResourceEndpoints.Map(api);
        PromptEndpoints.Map(api);
        KnowledgeEndpoints.Map(api);
        Security.ApiKeyEndpoints.Map(api);
        TaskEndpoints.Map(api);

        endpoints.MapOpenApi(OpenApiPattern).ExcludeFromDescription();
        endpoints.MapScalarApiReference(ReferencePath, options => options
            .WithTitle("ContextHub REST API")
            .WithOpenApiRoutePattern(OpenApiPattern)
            .AddDocument(DocumentName, "ContextHub REST API", isDefault: true)
            .DisableDefaultFonts()
            .DisableTelemetry()
            .DisableAgent()
            .DisableMcp())
            .ExcludeFromDescription();
        return endpoints;
    }

    /// <summary>
    /// Around every REST endpoint: the origin check, and the mapping of every failure to a problem. An error of the
    /// engine keeps its meaning (<see cref="McpErrorException.Kind"/>); nothing escapes as an unhandled 500.
    /// </summary>
    private static async ValueTask<object?> GuardAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var context = invocation.HttpContext;
        if (!context.RequestServices.GetRequiredService<OriginGuard>().IsAllowed(context))
        {
            return RestProblems.ToResult(RestProblems.Of(RestProblems.ForbiddenOrigin,
                $"Origin '{context.Request.Headers.Origin}' may not call this server (ContextHub:Gateway:AllowedOrigins).", context));
        }

        try
        {
            return await next(invocation);
        }
        catch (McpErrorException e)
        {
            RetryAfterHeader.SetFrom(context.Response, e);
            return RestProblems.ToResult(RestProblems.From(e, context));
        }
        catch (RestRejectedException e)
        {
            return RestProblems.ToResult(RestProblems.Of(e.Kind, e.Message, context, e.Path));
        }
        catch (BadHttpRequestException e)
        {
            var kind = e.StatusCode == StatusCodes.Status413PayloadTooLarge ? RestProblems.TooLarge : RestProblems.InvalidRequest;
            return RestProblems.ToResult(RestProblems.Of(kind, e.Message, context));
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nobody reads the answer.
            return Results.Empty;
        }
        catch (Exception e)
        {
            var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RestDoor));
            var correlation = context.TraceIdentifier;
            LogUnexpected(logger, e, context.Request.Path, correlation);
            return RestProblems.ToResult(RestProblems.Of(RestProblems.Internal,
                $"Unexpected failure while handling the request (correlation id {correlation}).", context));
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "REST request {Path} failed unexpectedly ({CorrelationId})")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, string path, string correlationId);
}

/// <summary>Marks the endpoints of the REST door (the ones the OpenAPI document describes).</summary>
internal sealed class RestDoorEndpoint
{
    public static readonly RestDoorEndpoint Instance = new();

    private RestDoorEndpoint()
    {
    }
}
