using System.Buffers;
using System.Text.Json;
using ContextHub.Messaging;
using ContextHub.Protocol;
using ContextHub.Server.Gateway.Security;
using ContextHub.Sessions;
using Microsoft.Extensions.Options;

namespace ContextHub.Server.Gateway.StreamableHttp;

/// <summary>
/// MCP Streamable HTTP at <c>/mcp</c>: POST carries messages (answered as JSON or, when the handler streams, SSE),
/// GET opens a session's stream, DELETE ends a session. Every message goes to the <see cref="MessageManager"/>.
/// Each verb has its own file (<c>.Post</c>, <c>.Batch</c>, <c>.Get</c>, <c>.Delete</c>); the header rules are
/// <see cref="StreamableHttpHeaderRules"/>.
/// </summary>
public sealed partial class StreamableHttpDoor
{
    private readonly MessageManager _manager;
    private readonly OriginGuard _origins;
    private readonly GatewayOptions _options;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ISessionEventStore _events;

    public StreamableHttpDoor(MessageManager manager, OriginGuard origins, IOptions<GatewayOptions> options, IHostApplicationLifetime lifetime,
        ISessionEventStore events)
    {
        _events = events;
        _manager = manager;
        _origins = origins;
        _options = options.Value;
        _lifetime = lifetime;
    }

    private static JsonElement IdOf(JsonElement message) =>
        message.ValueKind == JsonValueKind.Object && message.TryGetProperty("id"u8, out var id) ? id : default;

    /// <summary>JSON is UTF-8; the reader checks strings only when they are read, so the whole body is checked first.</summary>
    internal static bool IsUtf8(ReadOnlySequence<byte> buffer) =>
        buffer.IsSingleSegment ? System.Text.Unicode.Utf8.IsValid(buffer.FirstSpan) : System.Text.Unicode.Utf8.IsValid(buffer.ToArray());

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
        RetryAfterHeader.SetFrom(context.Response, error);
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
    }

    private static byte[] Serialize(Action<Utf8JsonWriter> write) => JsonRpcWriter.ToBytes(write);
}
