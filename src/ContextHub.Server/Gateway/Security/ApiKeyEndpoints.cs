using System.ComponentModel;
using ContextHub.Messaging;
using ContextHub.Protocol;
using ContextHub.Server.Gateway.Rest;
using Microsoft.Extensions.Options;

namespace ContextHub.Server.Gateway.Security;

/// <summary><c>/keys</c>: API keys for callers holding the admin scope (<c>ContextHub:Security:AdminScope</c>).</summary>
internal static class ApiKeyEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var keys = api.MapGroup("/keys").WithTags("Keys");

        keys.MapGet("", List)
            .WithName("ListApiKeys")
            .WithSummary("List API keys")
            .WithDescription("Every API key's name, id, scopes and expiry (never the key).")
            .Produces<List<ApiKeyInfo>>()
            .ProducesProblems();

        keys.MapPost("", (Delegate)CreateAsync)
            .WithName("CreateApiKey")
            .WithSummary("Create an API key")
            .WithDescription("Makes a key with a name, scopes and an optional expiry (30d, 12h, 90m). The answer holds the key: the only time it is shown.")
            .AcceptsJson<CreateApiKeyRequest>("The key's name, scopes and expiry.", required: true)
            .Produces<CreatedApiKey>(StatusCodes.Status201Created)
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status409Conflict, StatusCodes.Status413PayloadTooLarge,
                StatusCodes.Status415UnsupportedMediaType);

        keys.MapDelete("/{name}", Revoke)
            .WithName("RevokeApiKey")
            .WithSummary("Revoke an API key")
            .WithDescription("Removes the key; requests with it are refused at once.")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblems(StatusCodes.Status404NotFound);
    }

    private static IResult List(HttpContext context)
    {
        var store = Authorize(context);
        return TypedResults.Json(store.List().Select(ApiKeyInfo.From).ToList(), SecurityJsonContext.Default.ListApiKeyInfo);
    }

    private static async Task<IResult> CreateAsync(HttpContext context)
    {
        var store = Authorize(context);
        var body = await RestRequests.ReadBodyAsync(context, SecurityJsonContext.Default.CreateApiKeyRequest)
            ?? throw new RestRejectedException(RestProblems.InvalidParams, "Send the key as JSON: {\"name\": \"...\", \"scopes\": [...], \"expires\": \"30d\"}.");
        TimeSpan? lifetime;
        try
        {
            lifetime = body.Expires is null ? null : ApiKeyCommand.ParseDuration(body.Expires);
        }
        catch (ArgumentException e)
        {
            throw new RestRejectedException(RestProblems.InvalidParams, e.Message, "expires");
        }

        try
        {
            var (key, entry) = store.Create(body.Name ?? "", body.Scopes ?? [], lifetime);
            return TypedResults.Json(new CreatedApiKey(key, ApiKeyInfo.From(entry)), SecurityJsonContext.Default.CreatedApiKey, statusCode: StatusCodes.Status201Created);
        }
        catch (ArgumentException e)
        {
            throw new RestRejectedException(RestProblems.InvalidParams, e.Message, "name");
        }
        catch (InvalidOperationException e)
        {
            throw new RestRejectedException(RestProblems.Conflict, e.Message, "name");
        }
    }

    private static IResult Revoke(HttpContext context, [Description("The key's name.")] string name)
    {
        var store = Authorize(context);
        return store.Revoke(name)
            ? TypedResults.NoContent()
            : throw McpErrorException.NotFound($"No API key named '{name}'.", "name");
    }

    private static ApiKeyStore Authorize(HttpContext context)
    {
        var services = context.RequestServices;
        var admin = services.GetRequiredService<IOptions<SecurityOptions>>().Value.AdminScope;
        if (!services.GetRequiredService<AccessPolicy>().HasScope(context.GetCaller(McpTransportKind.Rest), admin))
        {
            throw AuthorizationFilter.Forbidden("key management");
        }

        return services.GetRequiredService<ApiKeyStore>();
    }
}
