using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using ContextHub.Messaging;
using ContextHub.Protocol;
using ContextHub.Server.Gateway.Security;
using ContextHub.Sessions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace ContextHub.Server.Gateway.StreamableHttp;

/// <summary>
/// MCP Streamable HTTP at <c>/mcp</c>: POST carries messages (answered as JSON or, when the handler streams, SSE),
/// GET opens a session's stream, DELETE ends a session. Every message goes to the <see cref="MessageManager"/>.
/// </summary>
public sealed class StreamableHttpHandler
{
    private readonly MessageManager _manager;
    private readonly SessionManager _sessions;
    private readonly OriginGuard _origins;
    private readonly GatewayOptions _options;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ISessionEventStore _events;

    public StreamableHttpHandler(MessageManager manager, OriginGuard origins, IOptions<GatewayOptions> options, IHostApplicationLifetime lifetime,
        ISessionEventStore events)
    {
        _events = events;
        _manager = manager;
        _sessions = manager.Service.Sessions;
        _origins = origins;
        _options = options.Value;
        _lifetime = lifetime;
    }

    public async Task PostAsync(HttpContext context)
    {
        if (!_origins.IsAllowed(context))
        {
            await RejectAsync(context, StatusCodes.Status403Forbidden, McpProtocol.ErrorCodes.InvalidRequest, "Origin not allowed.");
            return;
        }

        var (acceptsJson, acceptsSse) = ReadAccept(context.Request);
        if (!acceptsJson && !acceptsSse)
        {
            await RejectAsync(context, StatusCodes.Status406NotAcceptable, McpProtocol.ErrorCodes.InvalidRequest,
                "Not acceptable: the client must accept application/json or text/event-stream.");
            return;
        }

        if (!IsJson(context.Request.ContentType))
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
            session = sessionId.Length > 0 ? await FindOwnAsync(sessionId, caller, context.RequestAborted) : null;
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
            session = await FindOwnAsync(sessionId, caller, context.RequestAborted);
            if (session is null)
            {
                await WriteErrorAsync(context, StatusCodes.Status404NotFound, id,
                    McpErrorException.InvalidRequest("session not found; it ended or never existed. Send initialize to start a new one."));
                return;
            }
        }

        if (kind == JsonRpcMessageKind.Response)
        {
            if (session is not null)
            {
                await _sessions.AnswerAsync(session, root, context.RequestAborted);
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
        };

        if ((CheckVersionHeaders(request, headers, headerVersion) ?? CheckParameterHeaders(request, headers)) is { } refused)
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
            if (e.RetryAfter is { } retry && !context.Response.HasStarted)
            {
                context.Response.Headers.RetryAfter = ((int)Math.Ceiling(retry.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

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

    /// <summary>
    /// The HTTP rules on protocol versions: a version header the server does not speak is refused; in the stateless
    /// revision the header matches <c>_meta</c>, the body carries its version, and Mcp-Method / Mcp-Name match the body.
    /// </summary>
    private static McpErrorException? CheckVersionHeaders(McpRequest request, IHeaderDictionary headers, string headerVersion)
    {
        var meta = request.GetMeta(McpProtocol.Meta.ProtocolVersion);
        var metaVersion = meta.ValueKind == JsonValueKind.String ? meta.GetString() : null;
        if (request.Session is not null || (metaVersion is null && (headerVersion.Length == 0 || !McpProtocol.IsStateless(headerVersion))))
        {
            return headerVersion.Length > 0 && !McpProtocol.IsSupported(headerVersion) ? MessageManager.UnsupportedVersion(headerVersion) : null;
        }

        if (metaVersion is null)
        {
            return new McpErrorException(McpProtocol.ErrorCodes.InvalidParams,
                $"Invalid params: protocol revision {headerVersion} needs params._meta[\"{McpProtocol.Meta.ProtocolVersion}\"].",
                new System.Text.Json.Nodes.JsonObject { ["path"] = "_meta." + McpProtocol.Meta.ProtocolVersion }) { HttpStatus = 400 };
        }

        if (headerVersion.Length > 0 && headerVersion != metaVersion)
        {
            return Mismatch($"MCP-Protocol-Version header '{headerVersion}' differs from _meta protocol version '{metaVersion}'.");
        }

        if (!McpProtocol.IsSupported(metaVersion))
        {
            return MessageManager.UnsupportedVersion(metaVersion);
        }

        if (request.IsNotification)
        {
            return null;
        }

        var methodHeader = headers[McpProtocol.Headers.Method].ToString();
        if (methodHeader.Length == 0)
        {
            return Mismatch($"The {McpProtocol.Headers.Method} header is required in protocol revision {metaVersion}.");
        }

        if (methodHeader.Trim() != request.Method)
        {
            return Mismatch($"{McpProtocol.Headers.Method} header '{methodHeader}' differs from the body's method '{request.Method}'.");
        }

        var nameField = request.Method switch
        {
            "tools/call" or "prompts/get" => "name",
            "resources/read" => "uri",
            "tasks/get" or "tasks/update" or "tasks/cancel" => "taskId",
            _ => null,
        };
        if (nameField is null)
        {
            return null;
        }

        var nameHeader = headers[McpProtocol.Headers.Name].ToString();
        var bodyName = request.Params.ValueKind == JsonValueKind.Object && request.Params.TryGetProperty(nameField, out var n) && n.ValueKind == JsonValueKind.String
            ? n.GetString()
            : null;
        if (nameHeader.Length == 0)
        {
            return Mismatch($"The {McpProtocol.Headers.Name} header is required for {request.Method} in protocol revision {metaVersion}.");
        }

        return bodyName is not null && !HeaderValueMatches(nameHeader.Trim(), bodyName)
            ? Mismatch($"{McpProtocol.Headers.Name} header '{nameHeader}' differs from params.{nameField} '{bodyName}'.")
            : null;
    }

    /// <summary>
    /// SEP-2243: a tool argument annotated <c>x-mcp-header</c> travels again as <c>Mcp-Param-{Name}</c>, so proxies can
    /// route on it; the header must be there when the argument is, and must say the same thing.
    /// </summary>
    private McpErrorException? CheckParameterHeaders(McpRequest request, IHeaderDictionary headers)
    {
        if (request.Method != "tools/call" || request.Session is not null || request.Params.ValueKind != JsonValueKind.Object
            || request.GetMeta(McpProtocol.Meta.ProtocolVersion).ValueKind != JsonValueKind.String
            || !request.Params.TryGetProperty("name"u8, out var name) || name.ValueKind != JsonValueKind.String
            || !_manager.Service.Tools.Registry.TryGet(name.GetString()!, out var tool) || tool.HeaderParameters.Count == 0)
        {
            return null;
        }

        request.Params.TryGetProperty("arguments"u8, out var arguments);
        foreach (var parameter in tool.HeaderParameters)
        {
            var headerName = "Mcp-Param-" + parameter.Header;
            var value = arguments.ValueKind == JsonValueKind.Object && arguments.TryGetProperty(parameter.Argument, out var v) && v.ValueKind != JsonValueKind.Null
                ? v
                : default;
            var header = headers[headerName].ToString();
            if (header.Length == 0)
            {
                if (value.ValueKind != JsonValueKind.Undefined)
                {
                    return Mismatch($"The {headerName} header is required when arguments.{parameter.Argument} is given.");
                }

                continue;
            }

            if (DecodeHeaderValue(header.Trim()) is not { } decoded)
            {
                return Mismatch($"The {headerName} header is not valid: =?base64?...?= values must be correct Base64.");
            }

            var expected = value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
                _ => null,
            };
            var same = value.ValueKind == JsonValueKind.Number && decimal.TryParse(decoded, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var number)
                ? value.TryGetDecimal(out var body) && body == number
                : decoded == expected;
            if (!same)
            {
                return Mismatch($"The {headerName} header does not match arguments.{parameter.Argument}.");
            }
        }

        return null;
    }

    private static bool HeaderValueMatches(string header, string value) => DecodeHeaderValue(header) == value;

    /// <summary>A header value: literal, or UTF-8 wrapped as <c>=?base64?...?=</c>; null when the wrapper holds bad Base64.</summary>
    private static string? DecodeHeaderValue(string header)
    {
        if (!header.StartsWith("=?base64?", StringComparison.OrdinalIgnoreCase) || !header.EndsWith("?=", StringComparison.Ordinal) || header.Length < 11)
        {
            return header;
        }

        try
        {
            return System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(header[9..^2]));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static McpErrorException Mismatch(string message) => new(McpProtocol.ErrorCodes.HeaderMismatch, message) { HttpStatus = 400 };

    /// <summary>The session, from this replica or the shared store, when the caller owns it; another identity's session is "not found".</summary>
    private async ValueTask<McpSession?> FindOwnAsync(string sessionId, McpCaller caller, CancellationToken cancellationToken) =>
        await _sessions.FindAsync(sessionId, cancellationToken) is { } session && (session.Owner is null || session.Owner == caller.Identity) ? session : null;

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

        if (!ReadAccept(context.Request).Sse)
        {
            await RejectAsync(context, StatusCodes.Status406NotAcceptable, McpProtocol.ErrorCodes.InvalidRequest,
                "Not acceptable: the GET stream needs Accept: text/event-stream.");
            return;
        }

        McpSession? session;
        try
        {
            session = await FindOwnAsync(sessionId, context.GetCaller(McpTransportKind.StreamableHttp), context.RequestAborted);
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
            removed = await FindOwnAsync(sessionId, context.GetCaller(McpTransportKind.StreamableHttp), context.RequestAborted) is not null
                && await _sessions.RemoveAsync(sessionId, context.RequestAborted);
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

    /// <summary>An open stream keeps its session alive; a store that is briefly unreachable must not end the stream.</summary>
    private async ValueTask TouchQuietlyAsync(McpSession session, CancellationToken cancellationToken)
    {
        try
        {
            await _sessions.TouchAsync(session, cancellationToken);
        }
        catch (McpErrorException)
        {
            // The next tick tries again.
        }
    }

    private static JsonElement IdOf(JsonElement message) =>
        message.ValueKind == JsonValueKind.Object && message.TryGetProperty("id"u8, out var id) ? id : default;

    private static (bool Json, bool Sse) ReadAccept(HttpRequest request)
    {
        var accept = request.Headers.Accept;
        if (accept.Count == 0)
        {
            return (true, false);
        }

        bool json = false, sse = false;
        foreach (var value in accept)
        {
            if (value is null)
            {
                continue;
            }

            json |= value.Contains("application/json", StringComparison.OrdinalIgnoreCase) || value.Contains("*/*", StringComparison.Ordinal)
                || value.Contains("application/*", StringComparison.OrdinalIgnoreCase);
            sse |= value.Contains("text/event-stream", StringComparison.OrdinalIgnoreCase) || value.Contains("*/*", StringComparison.Ordinal)
                || value.Contains("text/*", StringComparison.OrdinalIgnoreCase);
        }

        return (json, sse);
    }

    /// <summary>JSON is UTF-8; the reader checks strings only when they are read, so the whole body is checked first.</summary>
    internal static bool IsUtf8(ReadOnlySequence<byte> buffer) =>
        buffer.IsSingleSegment ? System.Text.Unicode.Utf8.IsValid(buffer.FirstSpan) : System.Text.Unicode.Utf8.IsValid(buffer.ToArray());

    private static bool IsJson(string? contentType) =>
        contentType is not null && MediaTypeHeaderValue.TryParse(contentType, out var media)
        && (media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || media.MediaType.Value?.EndsWith("+json", StringComparison.OrdinalIgnoreCase) == true);

    private Task RejectTooLargeAsync(HttpContext context) =>
        RejectAsync(context, StatusCodes.Status413PayloadTooLarge, McpProtocol.ErrorCodes.InvalidRequest,
            $"Request body too large: the limit is {_options.MaxRequestBodyBytes} bytes (ContextHub:Gateway:MaxRequestBodyBytes).");

    private static Task RejectAsync(HttpContext context, int status, int code, string message) =>
        WriteErrorAsync(context, status, default, new McpErrorException(code, message));

    private static async Task WriteErrorAsync(HttpContext context, int status, JsonElement id, McpErrorException error)
    {
        if (context.Response.HasStarted)
        {
            return;
        }

        var bytes = Serialize(w => JsonRpcWriter.WriteError(w, id, error));
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
    }

    private static byte[] Serialize(Action<Utf8JsonWriter> write) => JsonRpcWriter.ToBytes(write);
}
