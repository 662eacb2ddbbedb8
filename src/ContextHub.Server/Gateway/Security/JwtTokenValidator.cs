using System.Collections.Concurrent;
using System.Security.Cryptography;
using ContextHub.Messaging;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace ContextHub.Server.Gateway.Security;

/// <summary>
/// Validates JWT bearer tokens with the JwtBearer options (<c>ContextHub:Security:Jwt</c>): issuer, audience (this
/// server's resource URI), lifetime and signature, with signing keys from configuration or the authority's OIDC
/// discovery document. A token string, not an HTTP request, is the input, so the same check serves headers and the
/// GraphQL <c>connection_init</c> payload. Validated tokens are remembered until their expiry (at most
/// <see cref="JwtOptions.CacheDuration"/>): a request with a known token pays a dictionary lookup, not a signature check.
/// </summary>
public sealed partial class JwtTokenValidator
{
    private const int MaxCachedTokens = 10_000;

    private readonly IOptionsMonitor<JwtBearerOptions> _bearer;
    private readonly JwtOptions _options;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, CachedToken> _cache = new(StringComparer.Ordinal);
    private TokenValidationParameters? _parameters;

    private readonly ILogger<JwtTokenValidator> _logger;

    public JwtTokenValidator(IOptionsMonitor<JwtBearerOptions> bearer, IOptions<SecurityOptions> options, TimeProvider time, ILogger<JwtTokenValidator> logger)
    {
        _logger = logger;
        _bearer = bearer;
        _options = options.Value.Jwt;
        _time = time;
    }

    public bool Enabled => _options.Enabled;

    /// <summary>The caller a valid token stands for, or the reason it is not valid (never the token itself).</summary>
    public async ValueTask<(McpCaller? Caller, string? Error)> ValidateAsync(string token, McpTransportKind transport, System.Net.IPAddress? remote)
    {
        var now = _time.GetUtcNow();
        if (_cache.TryGetValue(token, out var cached))
        {
            if (cached.Until > now)
            {
                return (cached.Caller with { Transport = transport, RemoteAddress = remote }, null);
            }

            _cache.TryRemove(token, out _);
        }

        var bearer = _bearer.Get(JwtBearerDefaults.AuthenticationScheme);
        var parameters = _parameters ??= Parameters(bearer);
        var handler = bearer.TokenHandlers.FirstOrDefault() ?? new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler();
        TokenValidationResult result;
        try
        {
            result = await handler.ValidateTokenAsync(token, parameters);
        }
        catch (Exception e) when (e is ArgumentException or SecurityTokenException or InvalidOperationException or FormatException)
        {
            return (null, Describe(e));
        }

        if (!result.IsValid)
        {
            return (null, Describe(result.Exception));
        }

        var identity = result.ClaimsIdentity;
        var subject = identity.FindFirst("sub")?.Value ?? identity.FindFirst("client_id")?.Value ?? identity.FindFirst("azp")?.Value;
        if (string.IsNullOrEmpty(subject))
        {
            return (null, "The token names no subject (sub).");
        }

        var scopes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var claim in identity.FindAll("scope").Concat(identity.FindAll("scp")))
        {
            scopes.UnionWith(claim.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        }

        var caller = new McpCaller(transport, remote, subject)
        {
            Name = identity.FindFirst("name")?.Value ?? identity.FindFirst("preferred_username")?.Value ?? subject,
            AuthKind = McpAuthKind.Jwt,
            Scopes = scopes,
        };
        var expires = result.SecurityToken.ValidTo == DateTime.MinValue ? now + _options.CacheDuration : new DateTimeOffset(result.SecurityToken.ValidTo, TimeSpan.Zero);
        var until = expires < now + _options.CacheDuration ? expires : now + _options.CacheDuration;
        if (until > now)
        {
            if (_cache.Count >= MaxCachedTokens)
            {
                _cache.Clear();
            }

            _cache[token] = new CachedToken(caller, until);
        }

        LogValidated(_logger, subject, until);
        return (caller, null);
    }

    /// <summary>The bearer options' parameters, with the authority's configuration manager so discovery keys are used.</summary>
    private static TokenValidationParameters Parameters(JwtBearerOptions bearer)
    {
        var parameters = bearer.TokenValidationParameters.Clone();
        if (bearer.ConfigurationManager is BaseConfigurationManager manager)
        {
            parameters.ConfigurationManager = manager;
        }

        return parameters;
    }

    /// <summary>Why a token failed, in words that carry no part of it.</summary>
    private static string Describe(Exception? error) => error switch
    {
        SecurityTokenExpiredException => "The token has expired.",
        SecurityTokenNotYetValidException => "The token is not valid yet.",
        SecurityTokenInvalidAudienceException => "The token is for another audience (resource).",
        SecurityTokenInvalidIssuerException => "The token comes from an issuer this server does not trust.",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "The token's signature is not valid.",
        SecurityTokenNoExpirationException => "The token has no expiry.",
        SecurityTokenMalformedException or ArgumentException or FormatException => "The token is malformed.",
        _ => "The token is not valid.",
    };

    /// <summary>Configures the JwtBearer options from <see cref="JwtOptions"/> (issuer, audience, keys, discovery).</summary>
    internal static void Configure(JwtBearerOptions bearer, SecurityOptions security)
    {
        var jwt = security.Jwt;
        bearer.MapInboundClaims = false;
        bearer.RequireHttpsMetadata = jwt.RequireHttpsMetadata;
        if (!string.IsNullOrEmpty(jwt.Authority))
        {
            bearer.Authority = jwt.Authority;
        }

        var audience = jwt.Audience ?? security.ResourceUri;
        bearer.Audience = audience;
        bearer.TokenValidationParameters = new TokenValidationParameters
        {
            ValidateIssuer = true,
            ValidIssuer = jwt.Issuer,
            ValidateAudience = true,
            ValidAudiences = audience is null ? [] : [audience, audience.TrimEnd('/')],
            ValidateLifetime = true,
            RequireExpirationTime = true,
            ValidateIssuerSigningKey = true,
            ClockSkew = jwt.ClockSkew,
            IssuerSigningKeys = [.. jwt.SigningKeys.Select(ReadKey).OfType<SecurityKey>()],
        };
    }

    /// <summary>A PEM public key (RSA or EC) or a base64 HMAC secret of at least 32 bytes; null when it is neither.</summary>
    internal static SecurityKey? ReadKey(string text)
    {
        text = text.Trim();
        if (text.StartsWith("-----BEGIN", StringComparison.Ordinal))
        {
            try
            {
                var rsa = RSA.Create();
                rsa.ImportFromPem(text);
                return new RsaSecurityKey(rsa);
            }
            catch (Exception e) when (e is ArgumentException or CryptographicException)
            {
                try
                {
                    var ec = ECDsa.Create();
                    ec.ImportFromPem(text);
                    return new ECDsaSecurityKey(ec);
                }
                catch (Exception inner) when (inner is ArgumentException or CryptographicException)
                {
                    return null;
                }
            }
        }

        try
        {
            var bytes = Convert.FromBase64String(text);
            return bytes.Length >= 32 ? new SymmetricSecurityKey(bytes) : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Bearer token of {Subject} validated; remembered until {Until}")]
    private static partial void LogValidated(ILogger logger, string subject, DateTimeOffset until);

    private sealed record CachedToken(McpCaller Caller, DateTimeOffset Until);
}
