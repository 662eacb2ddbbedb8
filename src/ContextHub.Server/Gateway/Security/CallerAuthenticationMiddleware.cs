using System.Text.Json;
using ContextHub.Messaging;
using ContextHub.Protocol;
using ContextHub.Server.Gateway.Rest;
using Microsoft.Extensions.Options;

namespace ContextHub.Server.Gateway.Security;

/// <summary>
/// Authenticates every request to a door (<c>/mcp</c>, <c>/ws</c>, <c>/api/v1</c>, <c>/graphql</c>) before it reaches
/// it: valid credentials become the request's caller; bad ones, or none when authentication is required, get 401 in the
/// door's own shape with <c>WWW-Authenticate: Bearer resource_metadata="…"</c> (the MCP authorization rules). A GraphQL
/// WebSocket upgrade without credentials passes: its <c>connection_init</c> payload may carry them.
/// </summary>
public sealed class CallerAuthenticationMiddleware(RequestDelegate next, CallerAuthenticator authenticator, IOptions<SecurityOptions> options)
{
    public const string MetadataPath = "/.well-known/oauth-protected-resource";

    private readonly SecurityOptions _options = options.Value;

    public async Task InvokeAsync(HttpContext context)
    {
        var transport = DoorOf(context.Request.Path);
        if (transport is null)
        {
            await next(context);
            return;
        }

        var credential = CallerAuthenticator.ReadCredential(context.Request, out var malformed);
        if (malformed is not null)
        {
            await ChallengeAsync(context, transport.Value, malformed, "invalid_request");
            return;
        }

        if (credential is null && context.Features.Get<CallerFeature>() is { } signedIn)
        {
            // A person the console signed in through the identity provider (ConsoleSessionMiddleware set the caller).
            context.Features.Set(new CallerFeature(signedIn.Caller.WithTransport(transport.Value)));
            await next(context);
            return;
        }

        if (credential is null)
        {
            if (_options.RequireAuthentication && !(transport == McpTransportKind.GraphQL && context.WebSockets.IsWebSocketRequest))
            {
                await ChallengeAsync(context, transport.Value, "Authentication required: send an API key or a bearer token (Authorization: Bearer ...).", null);
                return;
            }

            await next(context);
            return;
        }

        var (caller, error) = await authenticator.AuthenticateAsync(credential, transport.Value, context.Connection.RemoteIpAddress);
        if (caller is null)
        {
            await ChallengeAsync(context, transport.Value, error!, "invalid_token");
            return;
        }

        context.Features.Set(new CallerFeature(caller));
        await next(context);
    }

    private static McpTransportKind? DoorOf(PathString path) =>
        path.StartsWithSegments("/mcp") ? McpTransportKind.StreamableHttp
        : path.StartsWithSegments("/ws") ? McpTransportKind.WebSocket
        : path.StartsWithSegments("/api") ? McpTransportKind.Rest
        : path.StartsWithSegments("/graphql") ? McpTransportKind.GraphQL
        : null;

    /// <summary>Where this server's protected-resource metadata lives, seen from <paramref name="request"/>.</summary>
    public static string MetadataUrl(HttpRequest request, SecurityOptions options)
    {
        if (options.ResourceUri is { Length: > 0 } resource && Uri.TryCreate(resource, UriKind.Absolute, out var uri))
        {
            return uri.GetLeftPart(UriPartial.Authority) + MetadataPath;
        }

        return $"{request.Scheme}://{request.Host}{request.PathBase}{MetadataPath}";
    }

    private Task ChallengeAsync(HttpContext context, McpTransportKind transport, string message, string? error)
    {
        var challenge = $"Bearer resource_metadata=\"{MetadataUrl(context.Request, _options)}\"";
        if (error is not null)
        {
            challenge += $", error=\"{error}\", error_description=\"{message.Replace("\"", "'", StringComparison.Ordinal)}\"";
        }

        context.Response.Headers.WWWAuthenticate = challenge;
        return WriteRefusalAsync(context, transport, StatusCodes.Status401Unauthorized, McpProtocol.ErrorCodes.Unauthorized, McpErrorKind.Unauthorized, message);
    }

    /// <summary>A refusal before the door ran, in the door's own shape.</summary>
    internal static async Task WriteRefusalAsync(HttpContext context, McpTransportKind transport, int status, int code, McpErrorKind kind, string message)
    {
        var error = new McpErrorException(code, message) { Kind = kind };
        context.Response.StatusCode = status;
        switch (transport)
        {
            case McpTransportKind.Rest:
                var problem = RestProblems.From(error, context);
                context.Response.ContentType = RestProblems.MediaType;
                await JsonSerializer.SerializeAsync(context.Response.Body, problem, RestJsonContext.Default.Problem, context.RequestAborted);
                break;
            case McpTransportKind.GraphQL:
                context.Response.ContentType = "application/json";
                await context.Response.Body.WriteAsync(JsonRpcWriter.ToBytes(w =>
                {
                    w.WriteStartObject();
                    w.WriteStartArray("errors");
                    w.WriteStartObject();
                    w.WriteString("message", message);
                    w.WriteStartObject("extensions");
                    w.WriteString("code", GraphQL.McpGraphQLError.CodeOf(kind));
                    w.WriteNumber("mcpCode", code);
                    w.WriteEndObject();
                    w.WriteEndObject();
                    w.WriteEndArray();
                    w.WriteEndObject();
                }), context.RequestAborted);
                break;
            default:
                context.Response.ContentType = "application/json";
                await context.Response.Body.WriteAsync(JsonRpcWriter.ToBytes(w => JsonRpcWriter.WriteError(w, default, error)), context.RequestAborted);
                break;
        }
    }
}
