using ContextHub.Messaging;
using ContextHub.Protocol;
using ContextHub.Server.Gateway.Security;

namespace ContextHub.Server.Gateway.StreamableHttp;

public sealed partial class StreamableHttpDoor
{
    public async Task DeleteAsync(HttpContext context)
    {
        if (!_origins.IsAllowed(context))
        {
            await RejectAsync(context, StatusCodes.Status403Forbidden, McpProtocol.ErrorCodes.InvalidRequest, "Origin not allowed.");
            return;
        }

        var sessionId = context.Request.Headers[McpProtocol.Headers.SessionId].ToString();
        if (sessionId.Length == 0)
        {
            await RejectAsync(context, StatusCodes.Status400BadRequest, McpProtocol.ErrorCodes.InvalidRequest, "DELETE needs an Mcp-Session-Id header.");
            return;
        }

        bool removed;
        try
        {
            // Another identity's session is "not found" and stays as it is.
            removed = await _manager.EndSessionAsync(sessionId, context.GetCaller(McpTransportKind.StreamableHttp), context.RequestAborted);
        }
        catch (McpErrorException e) when (e.HttpStatus is not null)
        {
            await WriteErrorAsync(context, e.HttpStatus.Value, default, e);
            return;
        }

        if (!removed)
        {
            await RejectAsync(context, StatusCodes.Status404NotFound, McpProtocol.ErrorCodes.InvalidRequest, "Session not found.");
            return;
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
    }
}
