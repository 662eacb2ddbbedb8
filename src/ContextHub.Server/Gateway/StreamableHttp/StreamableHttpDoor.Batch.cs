using System.Text.Json;
using ContextHub.Messaging;
using ContextHub.Sessions;

namespace ContextHub.Server.Gateway.StreamableHttp;

public sealed partial class StreamableHttpDoor
{
    private async Task HandleBatchAsync(HttpContext context, JsonElement root, McpSession? session, McpCaller caller)
    {
        if (session is null || !JsonRpcBatch.Allowed(session))
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, default, JsonRpcBatch.NotAllowed());
            return;
        }

        var answers = await _manager.ProcessBatchAsync(root, session,
            (method, id, parameters) => new McpRequest { Method = method, Id = id, Params = parameters, Session = session, Caller = caller },
            context.RequestAborted);
        if (answers is null)
        {
            context.Response.StatusCode = StatusCodes.Status202Accepted;
            return;
        }

        context.Response.ContentType = "application/json";
        context.Response.ContentLength = answers.Length;
        await context.Response.Body.WriteAsync(answers, context.RequestAborted);
    }
}
