using Microsoft.Extensions.Options;

namespace ContextHub.Server.Gateway.WebConsole;

/// <summary>
/// Sign-in to the console through an OpenID Connect identity provider (authorization code flow with PKCE), bound from
/// <c>ContextHub:Console:Oidc</c>. Off while <see cref="Authority"/> is empty.
/// </summary>
/// <remarks>
/// The person becomes the caller <c>sub</c> (the same identity a bearer token of that provider would give) with the
/// scopes: <see cref="GrantedScopes"/>, plus the values of <see cref="ScopeClaim"/> (space-separated or an array), plus
/// <see cref="RoleScopes"/>[role] for each value of <see cref="RoleClaim"/>. Claims come from the ID token and the
/// provider's userinfo endpoint.
/// </remarks>
public sealed class ConsoleOidcOptions
{
    public const string Section = ConsoleOptions.Section + ":Oidc";

    /// <summary>The provider's issuer URL; its discovery document is read from <c>{Authority}/.well-known/openid-configuration</c>.</summary>
    public string? Authority { get; set; }

    /// <summary>The name on the sign-in button ("Sign in with …").</summary>
    public string DisplayName { get; set; } = "identity provider";

    public string? ClientId { get; set; }

    /// <summary>The client secret (confidential client); empty for a public client, which then relies on PKCE alone.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>OpenID scopes requested from the provider; <c>openid</c> is always included.</summary>
    public List<string> Scopes { get; set; } = ["openid", "profile"];

    /// <summary>Where the provider sends the person back; register <c>{server}{CallbackPath}</c> as a redirect URI.</summary>
    public string CallbackPath { get; set; } = "/console/oidc/callback";

    /// <summary>Refuse a discovery document served over plain HTTP (turn off only for a provider on loopback).</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>ContextHub scopes every person signed in through the provider holds.</summary>
    public List<string> GrantedScopes { get; set; } = [];

    /// <summary>A claim whose values are ContextHub scopes, taken as they are (empty: none).</summary>
    public string? ScopeClaim { get; set; }

    /// <summary>The claim that carries the person's roles.</summary>
    public string RoleClaim { get; set; } = "roles";

    /// <summary>ContextHub scopes per role (space-separated), e.g. <c>"console-admin": "*"</c>.</summary>
    public Dictionary<string, string> RoleScopes { get; set; } = new(StringComparer.Ordinal);

    public bool Enabled => !string.IsNullOrWhiteSpace(Authority);
}

/// <summary>Checks <see cref="ConsoleOidcOptions"/> at start, naming the setting and the fix.</summary>
public sealed class ConsoleOidcOptionsValidator : IValidateOptions<ConsoleOidcOptions>
{
    private const string S = ConsoleOidcOptions.Section;

    public ValidateOptionsResult Validate(string? name, ConsoleOidcOptions options)
    {
        if (!options.Enabled)
        {
            return string.IsNullOrWhiteSpace(options.ClientId) && string.IsNullOrWhiteSpace(options.ClientSecret)
                ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail($"{S}:ClientId is set but {S}:Authority is empty: set the provider's issuer URL, or remove the client settings.");
        }

        var failures = new List<string>();
        if (!Uri.TryCreate(options.Authority, UriKind.Absolute, out var authority) || authority.Scheme is not ("https" or "http")
            || !string.IsNullOrEmpty(authority.Query) || !string.IsNullOrEmpty(authority.Fragment))
        {
            failures.Add($"{S}:Authority '{options.Authority}' is not an absolute http(s) URL: use the provider's issuer, e.g. https://login.example.com/realms/main.");
        }
        else if (authority.Scheme == "http" && options.RequireHttpsMetadata)
        {
            failures.Add($"{S}:Authority '{options.Authority}' is plain HTTP: use https, or set {S}:RequireHttpsMetadata=false for a provider on loopback.");
        }

        if (string.IsNullOrWhiteSpace(options.ClientId))
        {
            failures.Add($"{S}:ClientId is empty: set the client id registered with the provider.");
        }

        if (string.IsNullOrWhiteSpace(options.DisplayName) || options.DisplayName.Length > 60)
        {
            failures.Add($"{S}:DisplayName must be 1 to 60 characters (the name on the sign-in button).");
        }

        if (options.Scopes.Any(s => string.IsNullOrWhiteSpace(s) || s.Contains(' ', StringComparison.Ordinal)))
        {
            failures.Add($"{S}:Scopes has an empty entry or one with a space: list one OpenID scope per entry.");
        }

        if (!options.CallbackPath.StartsWith('/') || options.CallbackPath.Contains('?', StringComparison.Ordinal) || options.CallbackPath == "/")
        {
            failures.Add($"{S}:CallbackPath '{options.CallbackPath}' must be a path of its own starting with '/', e.g. /console/oidc/callback.");
        }

        if (string.IsNullOrWhiteSpace(options.RoleClaim))
        {
            failures.Add($"{S}:RoleClaim is empty: name the claim that carries roles (\"roles\", \"groups\").");
        }

        foreach (var (role, scopes) in options.RoleScopes)
        {
            if (string.IsNullOrWhiteSpace(scopes))
            {
                failures.Add($"{S}:RoleScopes:{role} is empty: give the ContextHub scopes of that role, space-separated.");
            }
        }

        if (options.GrantedScopes.Count == 0 && options.RoleScopes.Count == 0 && string.IsNullOrWhiteSpace(options.ScopeClaim))
        {
            failures.Add($"{S}: a person signed in through the provider would hold no scope: set GrantedScopes, RoleScopes or ScopeClaim.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
