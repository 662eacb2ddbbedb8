using System.Text.Json;
using ContextHub.Server.Gateway.Security;
using Microsoft.Extensions.Options;

namespace ContextHub.Server.Gateway.WebConsole;

/// <summary>
/// Runs first in the pipeline (an <see cref="IStartupFilter"/>, so before any authentication): a request carrying a
/// console session cookie gets the sealed credential as <c>Authorization: Bearer …</c> when it has no Authorization
/// header of its own, so every door authenticates it exactly as it would any client. A state-changing request
/// (anything but GET, HEAD, OPTIONS, TRACE) with the cookie must carry the session's anti-forgery token in
/// <see cref="ConsoleSession.CsrfHeader"/>, or it is refused with 403 before it reaches a door.
/// </summary>
public sealed partial class ConsoleSessionMiddleware(RequestDelegate next, ConsoleSession sessions, ILogger<ConsoleSessionMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (!context.Request.Cookies.ContainsKey(ConsoleSession.CookieName))
        {
            await next(context);
            return;
        }

        var session = sessions.Read(context);
        // Signing in again replaces the session, token included; the sign-in endpoint checks the Origin instead.
        var signingIn = HttpMethods.IsPost(context.Request.Method) && context.Request.Path.Equals(ConsoleEndpoints.SessionPath, StringComparison.OrdinalIgnoreCase);
        if (!IsSafe(context.Request.Method) && !signingIn && (session is null || !ConsoleSession.HasValidToken(context, session)))
        {
            LogForgeryRefused(logger, context.Request.Method, context.Request.Path);
            if (session is null)
            {
                ConsoleSession.SignOut(context); // an unreadable cookie (expired, tampered, other key ring) is dropped
            }

            await WriteForbiddenAsync(context, session is null
                ? "The console session has expired or cannot be read; sign in again."
                : $"A request from the console must carry the {ConsoleSession.CsrfHeader} header with the token of its session (the {ConsoleSession.CsrfCookieName} cookie).");
            return;
        }

        if (session is not null && context.Request.Headers.Authorization.Count == 0 && context.Request.Headers[CallerAuthenticator.ApiKeyHeader].Count == 0)
        {
            if (session.Credential is not null)
            {
                context.Request.Headers.Authorization = "Bearer " + session.Credential;
            }
            else if (session.Person is { } person)
            {
                // Signed in through the identity provider: the person is the caller (the doors fix the transport).
                context.Features.Set(new CallerFeature(ConsoleOidc.CallerOf(person, context.Connection.RemoteIpAddress)));
            }
        }

        await next(context);
    }

    private static bool IsSafe(string method) =>
        HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method);

    private static async Task WriteForbiddenAsync(HttpContext context, string detail)
    {
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        context.Response.ContentType = "application/problem+json";
        await using var writer = new Utf8JsonWriter(context.Response.Body);
        writer.WriteStartObject();
        writer.WriteString("type", "https://contexthub.dev/problems/forgery");
        writer.WriteString("title", "Anti-forgery token missing or invalid");
        writer.WriteNumber("status", StatusCodes.Status403Forbidden);
        writer.WriteString("detail", detail);
        writer.WriteString("instance", context.Request.Path);
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused {Method} {Path}: console session cookie without a valid anti-forgery token")]
    private static partial void LogForgeryRefused(ILogger logger, string method, string path);
}

/// <summary>Puts <see cref="ConsoleSessionMiddleware"/> in front of everything else, authentication included.</summary>
internal sealed class ConsoleSessionStartupFilter(IOptions<ConsoleOptions> options) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        if (options.Value.Enabled)
        {
            app.UseMiddleware<ConsoleSessionMiddleware>();
        }

        next(app);
    };
}
