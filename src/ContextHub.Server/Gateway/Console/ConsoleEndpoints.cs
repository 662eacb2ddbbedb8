using System.Text.Json;
using ContextHub.Server.Gateway.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

// The namespace is not "...Gateway.Console": that would hide System.Console from every door's code.
namespace ContextHub.Server.Gateway.WebConsole;

/// <summary>
/// The web console at <c>/</c>: a small single-page application embedded in the assembly, which uses the doors like
/// any other client (REST <c>/api/v1</c>, GraphQL <c>/graphql</c> with subscriptions, MCP <c>/mcp</c>). Besides its
/// files it has one endpoint of its own, <c>/console/session</c>, which signs a person in with an API key (sealed in
/// a cookie; see <see cref="ConsoleSession"/>) and out again.
/// </summary>
public static class ConsoleEndpoints
{
    public const string SessionPath = "/console/session";

    public const string AssetsPath = "/console/assets";

    /// <summary>No inline script or style, nothing from another origin, never framed.</summary>
    public const string ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
        + "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'";

    public static IServiceCollection AddWebConsole(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ConsoleOptions>().Bind(configuration.GetSection(ConsoleOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ConsoleOptions>, ConsoleOptionsValidator>());
        ConsoleKeyRing.Configure(services, configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ConsoleSession>();
        services.TryAddSingleton<ConsoleAssets>();
        services.TryAddEnumerable(ServiceDescriptor.Transient<IStartupFilter, ConsoleSessionStartupFilter>());
        ConsoleOidc.Add(services, configuration);
        return services;
    }

    public static IEndpointRouteBuilder MapConsole(this IEndpointRouteBuilder endpoints)
    {
        if (!endpoints.ServiceProvider.GetRequiredService<IOptions<ConsoleOptions>>().Value.Enabled)
        {
            return endpoints;
        }

        endpoints.MapGet("/", (HttpContext context, ConsoleAssets assets) => Serve(context, assets, "index.html"))
            .WithName("Console").ExcludeFromDescription();
        endpoints.MapMethods(AssetsPath + "/{**path}", [HttpMethods.Get, HttpMethods.Head],
                (HttpContext context, ConsoleAssets assets, string path) => Serve(context, assets, path))
            .WithName("ConsoleAsset").ExcludeFromDescription();
        endpoints.MapGet(SessionPath, (HttpContext context, ConsoleSession sessions) => Info(context, sessions.Read(context)))
            .WithName("ConsoleSession").ExcludeFromDescription();
        endpoints.MapPost(SessionPath, SignInAsync).WithName("ConsoleSignIn").ExcludeFromDescription();
        endpoints.MapDelete(SessionPath, async (HttpContext context, ConsoleSession sessions) =>
        {
            var person = sessions.Read(context)?.Person;
            ConsoleSession.SignOut(context);
            NoStore(context);
            // A person signed in through the provider is sent on to end the provider's session too, when it offers that.
            var logout = person is not null && OidcEnabled(context) ? await ConsoleOidc.LogoutUrlAsync(context) : null;
            return logout is null
                ? Results.NoContent()
                : Results.Json(new SessionInfo(false, null, context.Request.IsHttps) { LogoutUrl = logout }, ConsoleJsonContext.Default.SessionInfo);
        }).WithName("ConsoleSignOut").ExcludeFromDescription();
        if (endpoints.ServiceProvider.GetRequiredService<IOptions<ConsoleOidcOptions>>().Value.Enabled)
        {
            // Starts the authorization code flow (with PKCE); the provider returns to ConsoleOidcOptions.CallbackPath.
            endpoints.MapGet(ConsoleOidc.SignInPath, (HttpContext context) =>
            {
                NoStore(context);
                return Results.Challenge(new AuthenticationProperties { RedirectUri = "/" }, [ConsoleOidc.Scheme]);
            }).WithName("ConsoleOidcSignIn").ExcludeFromDescription();
        }

        return endpoints;
    }

    private static IResult Serve(HttpContext context, ConsoleAssets assets, string path)
    {
        var asset = assets.Find(path);
        if (asset is null)
        {
            return TypedResults.NotFound();
        }

        var headers = context.Response.Headers;
        SecurityHeaders(context);
        headers.ETag = asset.ETag;
        headers.CacheControl = "no-cache"; // revalidate each time: a new server version serves new files at the same paths
        headers.Vary = HeaderNames.AcceptEncoding;
        if (context.Request.Headers.IfNoneMatch.ToString().Contains(asset.ETag, StringComparison.Ordinal))
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        if (asset.Gzip is not null && context.Request.Headers.AcceptEncoding.ToString().Contains("gzip", StringComparison.OrdinalIgnoreCase))
        {
            headers.ContentEncoding = "gzip";
            return TypedResults.Bytes(asset.Gzip, asset.ContentType);
        }

        return TypedResults.Bytes(asset.Content, asset.ContentType);
    }

    private static async Task<IResult> SignInAsync(HttpContext context, ConsoleSession sessions, OriginGuard origins)
    {
        NoStore(context);
        if (!origins.IsAllowed(context))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Origin not allowed",
                detail: $"Origin '{context.Request.Headers.Origin}' may not sign in here (ContextHub:Gateway:AllowedOrigins).");
        }

        string? key;
        var isForm = context.Request.HasFormContentType;
        try
        {
            if (isForm)
            {
                key = (await context.Request.ReadFormAsync(context.RequestAborted))["key"].FirstOrDefault();
            }
            else if (context.Request.HasJsonContentType())
            {
                key = (await JsonSerializer.DeserializeAsync(context.Request.Body, ConsoleJsonContext.Default.SignInRequest, context.RequestAborted))?.Key;
            }
            else
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type",
                    detail: "Send the key as JSON ({\"key\": \"...\"}) or as a form field named key.");
            }
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or BadHttpRequestException)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Malformed sign-in request", detail: e.Message);
        }

        key = key?.Trim();
        if (string.IsNullOrEmpty(key) || key.Length > 4096 || key.Any(char.IsControl))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid parameters",
                detail: "key is required: paste an API key (at most 4096 characters, no line breaks).");
        }

        sessions.SignIn(context, key);
        return isForm ? TypedResults.Redirect("/", permanent: false, preserveMethod: false) : Info(context, new SessionPayload(key, ""));
    }

    private static IResult Info(HttpContext context, SessionPayload? session)
    {
        NoStore(context);
        var oidc = context.RequestServices.GetRequiredService<IOptions<ConsoleOidcOptions>>().Value;
        var info = new SessionInfo(session is not null, session?.Credential is { } credential ? ConsoleSession.Hint(credential) : null, context.Request.IsHttps)
        {
            Kind = session is null ? null : session.Person is null ? "apikey" : "oidc",
            Name = session?.Person?.Name,
            Provider = oidc.Enabled ? new SessionProvider(oidc.DisplayName, ConsoleOidc.SignInPath) : null,
        };
        return TypedResults.Json(info, ConsoleJsonContext.Default.SessionInfo);
    }

    private static bool OidcEnabled(HttpContext context) => context.RequestServices.GetRequiredService<IOptions<ConsoleOidcOptions>>().Value.Enabled;

    private static void NoStore(HttpContext context) => context.Response.Headers.CacheControl = "no-store";

    private static void SecurityHeaders(HttpContext context)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
    }
}
