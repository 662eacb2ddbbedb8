using System.Net;
using System.Security.Claims;
using System.Text.Encodings.Web;
using ContextHub.Messaging;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace ContextHub.Server.Gateway.WebConsole;

/// <summary>
/// Console sign-in through an OpenID Connect provider (<see cref="ConsoleOidcOptions"/>): ASP.NET Core's OpenID Connect
/// handler runs the authorization code flow with PKCE (state, nonce, ID token issuer, audience, signature and lifetime
/// checked by it); its sign-in scheme is <see cref="ConsoleSignInHandler"/>, which seals the person into the console's
/// own session cookie. No default authentication scheme is set, so no other request is authenticated by ASP.NET Core:
/// the doors keep their own authentication.
/// </summary>
public static partial class ConsoleOidc
{
    public const string Scheme = "ContextHub.Console.Oidc";

    public const string SignInScheme = "ContextHub.Console.Session";

    public const string SignInPath = "/console/oidc/signin";

    internal static void Add(IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(ConsoleOidcOptions.Section);
        services.AddOptions<ConsoleOidcOptions>().Bind(section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ConsoleOidcOptions>, ConsoleOidcOptionsValidator>());
        if (string.IsNullOrWhiteSpace(section["Authority"]))
        {
            return;
        }

        services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, ConsoleSignInHandler>(SignInScheme, null)
            .AddOpenIdConnect(Scheme, _ => { });
        services.AddOptions<OpenIdConnectOptions>(Scheme)
            .Configure<IOptions<ConsoleOidcOptions>>((oidc, options) => Configure(oidc, options.Value));
    }

    internal static void Configure(OpenIdConnectOptions oidc, ConsoleOidcOptions options)
    {
        oidc.Authority = options.Authority;
        oidc.ClientId = options.ClientId;
        oidc.ClientSecret = string.IsNullOrEmpty(options.ClientSecret) ? null : options.ClientSecret;
        oidc.ResponseType = OpenIdConnectResponseType.Code;
        oidc.UsePkce = true;
        // Answered with a top-level GET, so SameSite=Lax correlation and nonce cookies come back (form_post needs SameSite=None).
        oidc.ResponseMode = OpenIdConnectResponseMode.Query;
        oidc.CallbackPath = options.CallbackPath;
        oidc.SignInScheme = SignInScheme;
        oidc.RequireHttpsMetadata = options.RequireHttpsMetadata;
        oidc.MapInboundClaims = false;
        oidc.GetClaimsFromUserInfoEndpoint = true;
        oidc.SaveTokens = false;
        oidc.Scope.Clear();
        foreach (var scope in options.Scopes.Prepend("openid").Distinct(StringComparer.Ordinal))
        {
            oidc.Scope.Add(scope);
        }

        oidc.ClaimActions.MapJsonKey(options.RoleClaim, options.RoleClaim);
        if (!string.IsNullOrWhiteSpace(options.ScopeClaim))
        {
            oidc.ClaimActions.MapJsonKey(options.ScopeClaim, options.ScopeClaim);
        }

        oidc.ClaimActions.MapUniqueJsonKey("preferred_username", "preferred_username");
        oidc.TokenValidationParameters.NameClaimType = "name";
        oidc.TokenValidationParameters.RoleClaimType = options.RoleClaim;
        foreach (var cookie in new[] { oidc.CorrelationCookie, oidc.NonceCookie })
        {
            cookie.SameSite = SameSiteMode.Lax;
            cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            cookie.HttpOnly = true;
        }

        oidc.Events.OnRemoteFailure = context =>
        {
            var reason = Describe(context.Failure);
            LogSignInFailed(context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ConsoleOidc)),
                reason, context.Failure?.GetType().Name ?? "none");
            context.Response.Redirect("/#/signin?error=" + Uri.EscapeDataString($"Sign-in through {options.DisplayName} failed: {reason}"));
            context.HandleResponse();
            return Task.CompletedTask;
        };
    }

    /// <summary>Why a sign-in failed, in words for the person (never a token or a secret).</summary>
    internal static string Describe(Exception? failure) => failure switch
    {
        SecurityTokenInvalidAudienceException => "the ID token was issued for another client (audience).",
        SecurityTokenInvalidIssuerException => "the ID token comes from an issuer other than the configured authority.",
        SecurityTokenExpiredException => "the ID token has expired.",
        SecurityTokenInvalidSignatureException or SecurityTokenSignatureKeyNotFoundException => "the ID token's signature is not valid.",
        OpenIdConnectProtocolInvalidNonceException => "the sign-in could not be matched to this browser (nonce); try again.",
        OpenIdConnectProtocolException e when e.Message.Contains("access_denied", StringComparison.Ordinal) => "the provider denied access.",
        AuthenticationFailureException e when e.Message.Contains("Correlation", StringComparison.OrdinalIgnoreCase) =>
            "the sign-in could not be matched to this browser (correlation cookie missing or expired); try again.",
        HttpRequestException or InvalidOperationException => "the provider could not be reached or answered unexpectedly.",
        _ => "the provider's answer could not be validated.",
    };

    /// <summary>
    /// The ContextHub scopes of a signed-in person: <see cref="ConsoleOidcOptions.GrantedScopes"/>, the values of
    /// <see cref="ConsoleOidcOptions.ScopeClaim"/>, and <see cref="ConsoleOidcOptions.RoleScopes"/> of each role held.
    /// </summary>
    public static string[] ScopesOf(ClaimsPrincipal principal, ConsoleOidcOptions options)
    {
        var scopes = new SortedSet<string>(options.GrantedScopes, StringComparer.Ordinal);
        if (!string.IsNullOrWhiteSpace(options.ScopeClaim))
        {
            foreach (var claim in principal.FindAll(options.ScopeClaim))
            {
                scopes.UnionWith(claim.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            }
        }

        foreach (var role in principal.FindAll(options.RoleClaim))
        {
            if (options.RoleScopes.TryGetValue(role.Value, out var granted))
            {
                scopes.UnionWith(granted.Split(' ', StringSplitOptions.RemoveEmptyEntries));
            }
        }

        return [.. scopes];
    }

    /// <summary>The caller a signed-in person is on every door: identity <c>sub</c>, authenticated by the provider's token.</summary>
    public static McpCaller CallerOf(ConsolePerson person, IPAddress? remote) => new(McpTransportKind.Rest, remote, person.Subject)
    {
        Name = person.Name,
        AuthKind = McpAuthKind.Jwt,
        Scopes = person.Scopes.ToHashSet(StringComparer.Ordinal),
    };

    /// <summary>The provider's end-session URL for RP-initiated logout, or null when it offers none.</summary>
    public static async Task<string?> LogoutUrlAsync(HttpContext context)
    {
        var options = context.RequestServices.GetRequiredService<IOptionsMonitor<OpenIdConnectOptions>>().Get(Scheme);
        if (options.ConfigurationManager is null)
        {
            return null;
        }

        try
        {
            var configuration = await options.ConfigurationManager.GetConfigurationAsync(context.RequestAborted);
            if (string.IsNullOrEmpty(configuration.EndSessionEndpoint))
            {
                return null;
            }

            var back = $"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}/";
            var separator = configuration.EndSessionEndpoint.Contains('?', StringComparison.Ordinal) ? '&' : '?';
            return $"{configuration.EndSessionEndpoint}{separator}client_id={Uri.EscapeDataString(options.ClientId!)}&post_logout_redirect_uri={Uri.EscapeDataString(back)}";
        }
        catch (Exception e) when (e is InvalidOperationException or HttpRequestException or IOException)
        {
            return null; // the console session is gone all the same; the provider's own session stays
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Console sign-in through the identity provider failed: {Reason} ({Failure})")]
    private static partial void LogSignInFailed(ILogger logger, string reason, string failure);

    [LoggerMessage(Level = LogLevel.Information, Message = "Console sign-in of {Subject} through the identity provider, scopes '{Scopes}'")]
    internal static partial void LogSignedIn(ILogger logger, string subject, string scopes);
}

/// <summary>
/// The OpenID Connect handler's sign-in scheme: turns the validated identity into a <see cref="ConsolePerson"/> sealed in
/// the console's session cookie. It authenticates nothing by itself (no request is read through it).
/// </summary>
public sealed class ConsoleSignInHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    ConsoleSession sessions, IOptions<ConsoleOidcOptions> oidc)
    : SignInAuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync() => Task.FromResult(AuthenticateResult.NoResult());

    protected override Task HandleSignInAsync(ClaimsPrincipal user, AuthenticationProperties? properties)
    {
        var subject = user.FindFirst("sub")?.Value;
        if (string.IsNullOrEmpty(subject))
        {
            throw new AuthenticationFailureException("The identity provider's ID token names no subject (sub).");
        }

        var name = user.FindFirst("name")?.Value ?? user.FindFirst("preferred_username")?.Value ?? user.FindFirst("email")?.Value ?? subject;
        var scopes = ConsoleOidc.ScopesOf(user, oidc.Value);
        sessions.SignIn(Context, new ConsolePerson(subject, name, scopes));
        var granted = string.Join(' ', scopes);
        ConsoleOidc.LogSignedIn(Logger, subject, granted);

        return Task.CompletedTask;
    }

    protected override Task HandleSignOutAsync(AuthenticationProperties? properties)
    {
        ConsoleSession.SignOut(Context);
        return Task.CompletedTask;
    }
}
