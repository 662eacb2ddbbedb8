using System.IO.Pipelines;
using System.Text.Json;
using ContextHub.Messaging;
using ContextHub.Protocol;
using ContextHub.Server.Gateway.Security;
using ContextHub.Sessions;
using Microsoft.AspNetCore.Http.Features;

namespace ContextHub.Server.Gateway.StreamableHttp;

public sealed partial class StreamableHttpDoor
{
    public async Task PostAsync(HttpContext context)
    {
        if (!_origins.IsAllowed(context))
        {
            await RejectAsync(context, StatusCodes.Status403Forbidden, McpProtocol.ErrorCodes.InvalidRequest, "Origin not allowed.");
            return;
        }

        var (acceptsJson, acceptsSse) = StreamableHttpHeaderRules.ReadAccept(context.Request);
        if (!acceptsJson && !acceptsSse)
        {
            await RejectAsync(context, StatusCodes.Status406NotAcceptable, McpProtocol.ErrorCodes.InvalidRequest,
                "Not acceptable: the client must accept application/json or text/event-stream.");
            return;
        }

        if (!StreamableHttpHeaderRules.IsJson(context.Request.ContentType))
        {
            await RejectAsync(context, StatusCodes.Status415UnsupportedMediaType, McpProtocol.ErrorCodes.InvalidRequest,
                "Unsupported media type: send Content-Type: application/json.");
            return;
        }

        if (context.Request.ContentLength > _options.MaxRequestBodyBytes)
        {
            await RejectTooLargeAsync(context);
            return;
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = _options.MaxRequestBodyBytes;
        }

        var reader = context.Request.BodyReader;
        ReadResult read;
        try
        {
            read = await reader.ReadAtLeastAsync((int)Math.Min(_options.MaxRequestBodyBytes + 1, int.MaxValue), context.RequestAborted);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            await RejectTooLargeAsync(context);
            return;
        }

        try
        {
            if (read.Buffer.Length > _options.MaxRequestBodyBytes)
            {
                await RejectTooLargeAsync(context);
                return;
            }

            if (!IsUtf8(read.Buffer))
            {
                await RejectAsync(context, StatusCodes.Status400BadRequest, McpProtocol.ErrorCodes.ParseError, "Parse error: the body is not valid UTF-8.");
                return;
            }

            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(read.Buffer);
            }
            catch (JsonException e)
            {
                await RejectAsync(context, StatusCodes.Status400BadRequest, McpProtocol.ErrorCodes.ParseError, $"Parse error: {e.Message}");
                return;
            }

            using (document)
            {
                try
                {
                    await HandleMessageAsync(context, document.RootElement, acceptsSse);
                }
                catch (McpErrorException e) when (e.HttpStatus is not null)
                {
                    // A store the request needs is unreachable (sessions on Redis): a JSON-RPC error, not a 500 or a hang.
                    await WriteErrorAsync(context, e.HttpStatus.Value, IdOf(document.RootElement), e);
                }
            }
        }
        finally
        {
            reader.AdvanceTo(read.Buffer.End);
        }
    }

    private async Task HandleMessageAsync(HttpContext context, JsonElement root, bool acceptsSse)
    {
        var headers = context.Request.Headers;
        var headerVersion = headers[McpProtocol.Headers.ProtocolVersion].ToString();
        McpSession? session = null;
        var sessionId = headers[McpProtocol.Headers.SessionId].ToString();
        var caller = context.GetCaller(McpTransportKind.StreamableHttp);
        if (root.ValueKind == JsonValueKind.Array)
        {
            session = sessionId.Length > 0 ? await _manager.FindSessionAsync(sessionId, caller, context.RequestAborted) : null;
            await HandleBatchAsync(context, root, session, caller);
            return;
        }

        var kind = JsonRpcMessage.Classify(root, out var method, out var id, out var parameters, out var invalid);
        if (kind == JsonRpcMessageKind.Invalid)
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, id, invalid!);
            return;
        }

        if (sessionId.Length > 0 && method != "initialize")
        {
            session = await _manager.FindSessionAsync(sessionId, caller, context.RequestAborted);
            if (session is null)
            {
                await WriteErrorAsync(context, StatusCodes.Status404NotFound, id,
                    McpErrorException.InvalidRequest("session not found; it ended or never existed. Send initialize to start a new one."));
                return;
            }
        }

        if (kind == JsonRpcMessageKind.Response)
        {
            if (session is not null && !await _manager.AnswerAsync(session, root, context.RequestAborted))
            {
                // Answered already, given up by the server, or never sent: the transport's "cannot accept" (400, no id).
                await WriteErrorAsync(context, StatusCodes.Status400BadRequest, default, McpErrorException.InvalidRequest(
                    $"No request with id {(root.TryGetProperty("id"u8, out var answered) ? answered.GetRawText() : "(none)")} awaits an answer in this session: it was answered already, the server gave it up, or it was never sent."));
                return;
            }

            context.Response.StatusCode = StatusCodes.Status202Accepted;
            return;
        }

        var request = new McpRequest
        {
            Method = method,
            Id = id,
            Params = parameters,
            Caller = caller,
            Session = session,
            Channel = kind == JsonRpcMessageKind.Request ? new HttpResponseChannel(context, acceptsSse, session) : null,
            ParameterHeaders = StreamableHttpHeaderRules.ParameterHeaders(context.Request, method, parameters, session is not null),
        };

        if (StreamableHttpHeaderRules.CheckVersionHeaders(request, headers, headerVersion) is { } refused)
        {
            await WriteErrorAsync(context, refused.HttpStatus ?? StatusCodes.Status400BadRequest, id, refused);
            return;
        }

        if (kind == JsonRpcMessageKind.Notification)
        {
            await _manager.ProcessNotificationAsync(request, context.RequestAborted);
            context.Response.StatusCode = StatusCodes.Status202Accepted;
            return;
        }

        var channel = (HttpResponseChannel)request.Channel!;
        using var answer = JsonRpcBuffer.Rent();
        var status = StatusCodes.Status200OK;
        try
        {
            var result = await _manager.ProcessAsync(request, context.RequestAborted);
            if (method == "initialize" && request.Session is { } created)
            {
                context.Response.Headers[McpProtocol.Headers.SessionId] = created.Id;
            }

            try
            {
                JsonRpcWriter.WriteResult(answer.Writer, id, result);
            }
            catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException)
            {
                // A result that cannot be written must not become a 500 or half a message.
                answer.Reset();
                JsonRpcWriter.WriteError(answer.Writer, id, McpErrorException.Internal($"the result of '{method}' could not be serialized"));
            }
        }
        catch (McpErrorException e)
        {
            status = e.HttpStatus ?? StatusCodes.Status200OK;
            RetryAfterHeader.SetFrom(context.Response, e);
            JsonRpcWriter.WriteError(answer.Writer, id, e);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return;
        }
        catch (OperationCanceledException)
        {
            // Cancelled by notifications/cancelled: the spec says no answer; end the exchange with nothing.
            if (!channel.IsStreaming)
            {
                context.Response.StatusCode = StatusCodes.Status204NoContent;
            }

            return;
        }

        await channel.CompleteAsync(answer.WrittenMemory, status, context.RequestAborted);
    }
}
