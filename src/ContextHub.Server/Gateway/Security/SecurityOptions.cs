using System.Net;
using Microsoft.Extensions.Options;

namespace ContextHub.Server.Gateway.Security;

/// <summary>Who may call and what they may do, bound from <c>ContextHub:Security</c>.</summary>
public sealed class SecurityOptions
{
    public const string Section = "ContextHub:Security";

    /// <summary>Refuse callers without credentials (401). Off by default: anonymous callers on loopback get <see cref="AnonymousScopes"/>.</summary>
    public bool RequireAuthentication { get; set; }

    /// <summary>Scopes of a caller without credentials when authentication is not required; <c>*</c> (the default) grants everything.</summary>
    /// <remarks>Null by default: a configured list replaces it (the binder would add to a list it found filled).</remarks>
    public List<string>? AnonymousScopes { get; set; }

    /// <summary>Serve anonymous callers on a non-loopback address (refused at start otherwise).</summary>
    public bool AllowAnonymousNonLoopback { get; set; }

    /// <summary>This server's resource URI (the audience of its tokens, the <c>resource</c> of its metadata); by default the request's origin + <c>/mcp</c>.</summary>
    public string? ResourceUri { get; set; }

    /// <summary>Authorization servers named in the protected-resource metadata; by default the JWT authority.</summary>
    public List<string> AuthorizationServers { get; set; } = [];

    /// <summary>The scope that manages API keys through REST.</summary>
    public string AdminScope { get; set; } = "contexthub:admin";

    public StdioSecurityOptions Stdio { get; set; } = new();

    public ApiKeyOptions ApiKeys { get; set; } = new();

    public JwtOptions Jwt { get; set; } = new();

    public AuthorizationOptions Authorization { get; set; } = new();

    public RateLimitOptions RateLimits { get; set; } = new();
}

/// <summary>The stdio door's caller: a process the user started, trusted as configured.</summary>
public sealed class StdioSecurityOptions
{
    public string Identity { get; set; } = "local";

    /// <summary>The stdio caller's scopes; null (the default) is <c>*</c>, every scope.</summary>
    public List<string>? Scopes { get; set; }
}

public sealed class ApiKeyOptions
{
    /// <summary>The key file; by default <c>apikeys.json</c> in the knowledge data folder.</summary>
    public string? File { get; set; }
}

public sealed class JwtOptions
{
    /// <summary>OIDC authority: signing keys and issuer come from its discovery document.</summary>
    public string? Authority { get; set; }

    /// <summary>Accepted issuer (without an authority, or to pin it).</summary>
    public string? Issuer { get; set; }

    /// <summary>Accepted audience; by default <see cref="SecurityOptions.ResourceUri"/>.</summary>
    public string? Audience { get; set; }

    /// <summary>Signing keys without discovery: PEM public keys (RSA/EC) or base64 HMAC secrets of at least 32 bytes.</summary>
    public List<string> SigningKeys { get; set; } = [];

    public bool RequireHttpsMetadata { get; set; } = true;

    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a validated token is remembered at most (never beyond its expiry).</summary>
    public TimeSpan CacheDuration { get; set; } = TimeSpan.FromMinutes(5);

    public bool Enabled => !string.IsNullOrEmpty(Authority) || SigningKeys.Count > 0;
}

/// <summary>Scope rules; a caller must hold one scope of every rule whose pattern matches what it uses.</summary>
public sealed class AuthorizationOptions
{
    public List<AuthorizationRule> Rules { get; set; } = [];
}

/// <summary>
/// One rule: <see cref="Kind"/> is <c>tool</c>, <c>resource</c> (URI pattern), <c>prompt</c> or <c>knowledge</c> (operation
/// <c>search</c>, <c>fetch</c>, <c>ingest</c>, <c>delete</c>); <see cref="Pattern"/> may hold <c>*</c>.
/// </summary>
public sealed class AuthorizationRule
{
    public string Kind { get; set; } = "";

    public string Pattern { get; set; } = "*";

    public List<string> Scopes { get; set; } = [];
}

/// <summary>Limits per caller; 0 turns a limit off.</summary>
public sealed class RateLimitOptions
{
    /// <summary>Requests of any method per caller and minute (token bucket).</summary>
    public int RequestsPerMinute { get; set; } = 6000;

    public int RequestBurst { get; set; } = 200;

    /// <summary>Calls per caller, per tool and minute.</summary>
    public int ToolCallsPerMinute { get; set; } = 3000;

    public int ToolCallBurst { get; set; } = 100;

    /// <summary>Tool calls one caller may have running at once.</summary>
    public int MaxConcurrentToolCalls { get; set; } = 16;

    /// <summary>Leave the single local user alone: anonymous callers on loopback and the stdio process are not limited.</summary>
    public bool ExemptLocalAnonymous { get; set; } = true;
}

/// <summary>Checks <see cref="SecurityOptions"/> at start, naming the setting and the fix; refuses anonymous serving beyond loopback.</summary>
public sealed class SecurityOptionsValidator(IConfiguration configuration) : IValidateOptions<SecurityOptions>
{
    private static readonly string[] Kinds = ["tool", "resource", "prompt", "knowledge"];
    private static readonly string[] Operations = ["search", "fetch", "ingest", "delete", "*"];

    public ValidateOptionsResult Validate(string? name, SecurityOptions options)
    {
        var failures = new List<string>();
        const string S = SecurityOptions.Section;
        if (options.ResourceUri is { Length: > 0 } resource && (!Uri.TryCreate(resource, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Fragment.Length > 0))
        {
            failures.Add($"{S}:ResourceUri is '{resource}'; write an absolute http(s) URI without a fragment, e.g. https://mcp.example.com/mcp.");
        }

        if (options.Jwt.Authority is { Length: > 0 } authority && !Uri.TryCreate(authority, UriKind.Absolute, out _))
        {
            failures.Add($"{S}:Jwt:Authority is '{authority}'; write the authorization server's absolute URL, e.g. https://login.example.com/realms/main.");
        }

        for (var i = 0; i < options.Jwt.SigningKeys.Count; i++)
        {
            if (JwtTokenValidator.ReadKey(options.Jwt.SigningKeys[i]) is null)
            {
                failures.Add($"{S}:Jwt:SigningKeys:{i} is neither a PEM public key nor a base64 secret of at least 32 bytes.");
            }
        }

        if (options.Jwt.Enabled && string.IsNullOrEmpty(options.Jwt.Audience) && string.IsNullOrEmpty(options.ResourceUri))
        {
            failures.Add($"{S}:Jwt needs an audience: set {S}:ResourceUri (this server's URI, e.g. https://mcp.example.com/mcp) or {S}:Jwt:Audience.");
        }

        if (options.Jwt.Enabled && string.IsNullOrEmpty(options.Jwt.Authority) && string.IsNullOrEmpty(options.Jwt.Issuer))
        {
            failures.Add($"{S}:Jwt:SigningKeys without an authority needs {S}:Jwt:Issuer (the iss tokens carry).");
        }

        if (options.Jwt.CacheDuration < TimeSpan.Zero)
        {
            failures.Add($"{S}:Jwt:CacheDuration is {options.Jwt.CacheDuration}; use 00:00:00 (no cache) or more.");
        }

        for (var i = 0; i < options.Authorization.Rules.Count; i++)
        {
            var rule = options.Authorization.Rules[i];
            if (!Kinds.Contains(rule.Kind.ToLowerInvariant()))
            {
                failures.Add($"{S}:Authorization:Rules:{i}:Kind is '{rule.Kind}'; use tool, resource, prompt or knowledge.");
            }
            else if (rule.Kind.Equals("knowledge", StringComparison.OrdinalIgnoreCase) && !Operations.Contains(rule.Pattern.ToLowerInvariant()))
            {
                failures.Add($"{S}:Authorization:Rules:{i}:Pattern is '{rule.Pattern}'; a knowledge rule names search, fetch, ingest, delete or *.");
            }

            if (rule.Scopes.Count == 0 || rule.Scopes.Any(string.IsNullOrWhiteSpace))
            {
                failures.Add($"{S}:Authorization:Rules:{i}:Scopes is empty; list the scopes (any one of them is enough).");
            }
        }

        var limits = options.RateLimits;
        foreach (var (setting, value) in new[]
        {
            ("RequestsPerMinute", limits.RequestsPerMinute), ("RequestBurst", limits.RequestBurst), ("ToolCallsPerMinute", limits.ToolCallsPerMinute),
            ("ToolCallBurst", limits.ToolCallBurst), ("MaxConcurrentToolCalls", limits.MaxConcurrentToolCalls),
        })
        {
            if (value < 0)
            {
                failures.Add($"{S}:RateLimits:{setting} is {value}; use 0 (no limit) or more.");
            }
        }

        if ((limits.RequestsPerMinute > 0) != (limits.RequestBurst > 0) || (limits.ToolCallsPerMinute > 0) != (limits.ToolCallBurst > 0))
        {
            failures.Add($"{S}:RateLimits: a rate needs its burst and a burst its rate (set both above 0, or both 0 to turn the limit off).");
        }

        if (!options.RequireAuthentication && !options.AllowAnonymousNonLoopback && NonLoopbackUrls(configuration).FirstOrDefault() is { } exposed)
        {
            failures.Add($"The server would listen on '{exposed}', beyond loopback, with no authentication: set {S}:RequireAuthentication=true "
                + $"(with API keys or {S}:Jwt), or {S}:AllowAnonymousNonLoopback=true to serve anonymous callers on the network, or listen on 127.0.0.1.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Configured listening URLs (<c>Urls</c>, <c>--urls</c>, <c>Kestrel:Endpoints</c>) that are not loopback.</summary>
    internal static IEnumerable<string> NonLoopbackUrls(IConfiguration configuration)
    {
        var urls = (configuration["urls"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Concat(configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(e => e["Url"]).OfType<string>());
        return urls.Where(u => !IsLoopbackUrl(u));
    }

    internal static bool IsLoopbackUrl(string url)
    {
        if (url.StartsWith("unix:", StringComparison.OrdinalIgnoreCase))
        {
            return true; // a socket file reaches local processes only
        }

        var at = url.IndexOf("://", StringComparison.Ordinal);
        var rest = at < 0 ? url : url[(at + 3)..];
        var end = rest.StartsWith('[') ? rest.IndexOf(']') + 1 : rest.IndexOfAny([':', '/']);
        var host = end <= 0 ? rest : rest[..end];
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
    }
}
