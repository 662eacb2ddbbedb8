using ContextHub.Messaging;
using ContextHub.Protocol;
using ContextHub.Server.Gateway.Security;
using ContextHub.Sessions;

namespace ContextHub.Server.Gateway.StreamableHttp;

public sealed partial class StreamableHttpDoor
{
    public async Task GetAsync(HttpContext context)
    {
        if (!_origins.IsAllowed(context))
        {
            await RejectAsync(context, StatusCodes.Status403Forbidden, McpProtocol.ErrorCodes.InvalidRequest, "Origin not allowed.");
            return;
        }

        var sessionId = context.Request.Headers[McpProtocol.Headers.SessionId].ToString();
        if (sessionId.Length == 0)
        {
            // The stateless revision has no standalone stream (it uses subscriptions/listen).
            context.Response.Headers.Allow = "POST";
            await RejectAsync(context, StatusCodes.Status405MethodNotAllowed, McpProtocol.ErrorCodes.InvalidRequest,
                "GET needs an Mcp-Session-Id (session revisions); without a session use POST subscriptions/listen.");
            return;
        }

        if (!StreamableHttpHeaderRules.ReadAccept(context.Request).Sse)
        {
            await RejectAsync(context, StatusCodes.Status406NotAcceptable, McpProtocol.ErrorCodes.InvalidRequest,
                "Not acceptable: the GET stream needs Accept: text/event-stream.");
            return;
        }

        McpSession? session;
        try
        {
            session = await _manager.FindSessionAsync(sessionId, context.GetCaller(McpTransportKind.StreamableHttp), context.RequestAborted);
        }
        catch (McpErrorException e) when (e.HttpStatus is not null)
        {
            await WriteErrorAsync(context, e.HttpStatus.Value, default, e);
            return;
        }

        if (session is null)
        {
            await RejectAsync(context, StatusCodes.Status404NotFound, McpProtocol.ErrorCodes.InvalidRequest, "Session not found.");
            return;
        }

        var channel = new SessionStreamChannel(context, session, _events);
        var lastEventId = context.Request.Headers["Last-Event-ID"].ToString();
        bool opened;
        try
        {
            opened = await channel.OpenAsync(lastEventId.Length > 0 ? lastEventId : null, context.RequestAborted);
        }
        catch (McpErrorException e) when (e.HttpStatus is not null)
        {
            session.DetachStandaloneChannel(channel);
            await WriteErrorAsync(context, e.HttpStatus.Value, default, e);
            return;
        }

        if (!opened)
        {
            await RejectAsync(context, StatusCodes.Status409Conflict, McpProtocol.ErrorCodes.InvalidRequest,
                "This session already has an open GET stream.");
            return;
        }

        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _lifetime.ApplicationStopping, session.Ended);
        ContextHub.Storage.Telemetry.ContextHubTelemetry.StreamOpened();
        try
        {
            using var timer = new PeriodicTimer(_options.KeepAliveInterval);
            while (await timer.WaitForNextTickAsync(stopping.Token))
            {
                await channel.KeepAliveAsync(stopping.Token);
                await TouchQuietlyAsync(session, stopping.Token);
            }
        }
        catch (OperationCanceledException)
        {
            // The client left or the server is stopping.
        }
        finally
        {
            ContextHub.Storage.Telemetry.ContextHubTelemetry.StreamClosed();
            session.DetachStandaloneChannel(channel);
        }
    }

    /// <summary>An open stream keeps its session alive; a store that is briefly unreachable must not end the stream.</summary>
    private async ValueTask TouchQuietlyAsync(McpSession session, CancellationToken cancellationToken)
    {
        try
        {
            await _manager.TouchSessionAsync(session, cancellationToken);
        }
        catch (McpErrorException)
        {
            // The next tick tries again.
        }
    }
}
