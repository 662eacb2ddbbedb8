using System.Net;
using ContextHub.Messaging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace ContextHub.Server.Gateway.Security;

/// <summary>
/// Turns credentials into a caller: an API key (<c>chk_…</c>) or a JWT, sent as <c>Authorization: Bearer …</c> or
/// <c>X-API-Key</c> on HTTP, in the <c>connection_init</c> payload on GraphQL over WebSocket. No credentials is the
/// anonymous caller (refused by the doors when authentication is required); bad credentials are always refused.
/// </summary>
public sealed partial class CallerAuthenticator(ApiKeyStore keys, JwtTokenValidator jwt, IOptions<SecurityOptions> options, ILogger<CallerAuthenticator> logger)
{
    public const string ApiKeyHeader = "X-API-Key";

    private readonly SecurityOptions _options = options.Value;

    public bool RequireAuthentication => _options.RequireAuthentication;

    /// <summary>Reads the credential of an HTTP request; <paramref name="error"/> is set for a malformed or ambiguous one.</summary>
    public static string? ReadCredential(HttpRequest request, out string? error) =>
        ReadCredential(request.Headers.Authorization, request.Headers[ApiKeyHeader], out error);

    /// <summary>
    /// The rules every door applies to what a client sent as <c>Authorization</c> and <c>X-API-Key</c> (each value once per
    /// name it was sent under): one credential, the Bearer scheme. <paramref name="error"/> is set for a malformed or
    /// ambiguous one; null with no error means no credentials.
    /// </summary>
    public static string? ReadCredential(StringValues authorization, StringValues apiKey, out string? error)
    {
        error = null;
        if (authorization.Count > 1 || apiKey.Count > 1)
        {
            error = "Send one credential: the request has more than one Authorization or X-API-Key header.";
            return null;
        }

        if (authorization.Count == 1)
        {
            var value = authorization[0] ?? "";
            if (!value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || value.Length <= 7)
            {
                error = "Use the Bearer scheme: Authorization: Bearer <token or API key>.";
                return null;
            }

            if (apiKey.Count == 1)
            {
                error = "Send one credential: the request has both Authorization and X-API-Key.";
                return null;
            }

            return value[7..].Trim();
        }

        return apiKey.Count == 1 ? apiKey[0]?.Trim() : null;
    }

    /// <summary>The caller a credential stands for, or why it is refused.</summary>
    public async ValueTask<(McpCaller? Caller, string? Error)> AuthenticateAsync(string credential, McpTransportKind transport, IPAddress? remote)
    {
        if (credential.Length is 0 or > 16 * 1024 || credential.AsSpan().IndexOfAnyExceptInRange('!', '~') >= 0)
        {
            return Refuse(transport, "The credential is malformed.");
        }

        if (ApiKeyStore.LooksLikeKey(credential))
        {
            return keys.Validate(credential) is { } entry
                ? (new McpCaller(transport, remote, "apikey:" + entry.Name)
                {
                    Name = entry.Name,
                    AuthKind = McpAuthKind.ApiKey,
                    Scopes = entry.ScopeSet,
                }, null)
                : Refuse(transport, "The API key is not valid: unknown, revoked or expired.");
        }

        if (!jwt.Enabled)
        {
            return Refuse(transport, "The credential is not an API key, and this server accepts no bearer tokens (ContextHub:Security:Jwt).");
        }

        var (caller, error) = await jwt.ValidateAsync(credential, transport, remote);
        return caller is null ? Refuse(transport, error!) : (caller, null);
    }

    /// <summary>The caller of a request without credentials.</summary>
    public static McpCaller Anonymous(McpTransportKind transport, IPAddress? remote) => new(transport, remote);

    private (McpCaller?, string?) Refuse(McpTransportKind transport, string reason)
    {
        LogRefused(logger, transport, reason);
        return (null, reason);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Credentials refused on {Transport}: {Reason}")]
    private static partial void LogRefused(ILogger logger, McpTransportKind transport, string reason);
}

/// <summary>The caller an HTTP request was authenticated as (set by <see cref="CallerAuthenticationMiddleware"/>).</summary>
public sealed class CallerFeature(McpCaller caller)
{
    public McpCaller Caller { get; } = caller;
}

public static class HttpCallerExtensions
{
    /// <summary>Who is calling through <paramref name="transport"/>: the authenticated caller, else anonymous.</summary>
    public static McpCaller GetCaller(this HttpContext context, McpTransportKind transport) =>
        context.Features.Get<CallerFeature>() is { } feature
            ? feature.Caller.Transport == transport ? feature.Caller : feature.Caller.WithTransport(transport)
            : CallerAuthenticator.Anonymous(transport, context.Connection.RemoteIpAddress);
}
