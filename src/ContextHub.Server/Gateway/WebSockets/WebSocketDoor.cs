using System.Buffers;
using System.Net.WebSockets;
using ContextHub.Messaging;
using ContextHub.Server.Gateway.Security;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ContextHub.Server.Gateway.WebSockets;

/// <summary>
/// MCP over WebSocket at <c>/ws</c>: subprotocol <c>mcp</c>, one JSON-RPC message per text message, every method of the
/// engine, server notifications pushed as they happen. An error that ends the connection closes it with a code and a
/// reason: 1002 without the subprotocol, 1003 for a binary message, 1009 for a message over the limit.
/// </summary>
public static partial class WebSocketDoor
{
    public const string SubProtocol = "mcp";

    public static IServiceCollection AddWebSocketDoor(this IServiceCollection services)
    {
        services.AddOptions<WebSocketDoorOptions>().BindConfiguration(WebSocketDoorOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WebSocketDoorOptions>, WebSocketDoorOptionsValidator>());
        return services;
    }

    public static IEndpointRouteBuilder MapWebSocketDoor(this IEndpointRouteBuilder endpoints, string path = "/ws")
    {
        endpoints.Map(path, HandleAsync).WithName("McpWebSocket").WithTags("MCP").ExcludeFromDescription();
        return endpoints;
    }

    private static async Task HandleAsync(HttpContext context)
    {
        var services = context.RequestServices;
        if (!services.GetRequiredService<OriginGuard>().IsAllowed(context))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            await context.Response.WriteAsJsonAsync(new { error = "Origin not allowed." });
            return;
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status426UpgradeRequired;
            context.Response.Headers.Upgrade = "websocket";
            await context.Response.WriteAsJsonAsync(new { error = "This endpoint speaks MCP over WebSocket: upgrade with subprotocol 'mcp'." });
            return;
        }

        var options = services.GetRequiredService<IOptions<WebSocketDoorOptions>>().Value;
        var lifetime = services.GetRequiredService<IHostApplicationLifetime>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(WebSocketDoor));
        var speaksMcp = context.WebSockets.WebSocketRequestedProtocols.Contains(SubProtocol);
        using var socket = await context.WebSockets.AcceptWebSocketAsync(speaksMcp ? SubProtocol : null);
        if (!speaksMcp)
        {
            await CloseAsync(socket, WebSocketCloseStatus.ProtocolError, "The 'mcp' subprotocol is required (Sec-WebSocket-Protocol: mcp).");
            return;
        }

        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        var manager = services.GetRequiredService<MessageManager>();
        var caller = context.GetCaller(McpTransportKind.WebSocket);
        await using var connection = new McpConnection(manager, caller, (message, ct) => SendAsync(socket, message, ct));
        ContextHub.Storage.Telemetry.ContextHubTelemetry.WebSocketOpened();
        try
        {
            var (status, reason) = await ReceiveLoopAsync(socket, connection, options.MaxMessageBytes, stopping.Token);
            await CloseAsync(socket, status, reason);
        }
        catch (OperationCanceledException)
        {
            await CloseAsync(socket, WebSocketCloseStatus.EndpointUnavailable, "The server is stopping.");
        }
        catch (WebSocketException e)
        {
            LogSocketFailed(logger, e.Message);
        }
        finally
        {
            ContextHub.Storage.Telemetry.ContextHubTelemetry.WebSocketClosed();
        }
    }

    /// <summary>Reads whole messages and hands each to the connection; returns how to close.</summary>
    private static async Task<(WebSocketCloseStatus Status, string Reason)> ReceiveLoopAsync(WebSocket socket, McpConnection connection, int maxBytes,
        CancellationToken cancellationToken)
    {
        var frame = ArrayPool<byte>.Shared.Rent(16 * 1024);
        var message = new ArrayBufferWriter<byte>(16 * 1024);
        try
        {
            while (true)
            {
                var received = await socket.ReceiveAsync(frame.AsMemory(), cancellationToken);
                switch (received.MessageType)
                {
                    case WebSocketMessageType.Close:
                        return (WebSocketCloseStatus.NormalClosure, "Bye.");
                    case WebSocketMessageType.Binary:
                        return (WebSocketCloseStatus.InvalidMessageType, "Binary messages are not MCP: send each JSON-RPC message as one text message.");
                }

                if (message.WrittenCount + received.Count > maxBytes)
                {
                    return (WebSocketCloseStatus.MessageTooBig, $"Message too big: the limit is {maxBytes} bytes (ContextHub:WebSocket:MaxMessageBytes).");
                }

                message.Write(frame.AsSpan(0, received.Count));
                if (received.EndOfMessage)
                {
                    // A client writing through a line-oriented stream may send the newline as a message of its own.
                    if (!IsBlank(message.WrittenSpan))
                    {
                        // The connection keeps the message while its request runs; the next one reuses the buffer.
                        await connection.ReceiveAsync(message.WrittenSpan.ToArray());
                    }

                    message.ResetWrittenCount();
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frame);
        }
    }

    /// <summary>One message per text frame, ending in a newline so line-oriented clients (a stream over the socket) can read it.</summary>
    private static async ValueTask SendAsync(WebSocket socket, ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        if (socket.State != WebSocketState.Open)
        {
            return;
        }

        var framed = ArrayPool<byte>.Shared.Rent(message.Length + 1);
        try
        {
            message.Span.CopyTo(framed);
            framed[message.Length] = (byte)'\n';
            await socket.SendAsync(framed.AsMemory(0, message.Length + 1), WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(framed);
        }
    }

    private static bool IsBlank(ReadOnlySpan<byte> message) => message.Trim(" \t\r\n"u8).IsEmpty;

    private static async Task CloseAsync(WebSocket socket, WebSocketCloseStatus status, string reason)
    {
        if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await socket.CloseAsync(status, reason, timeout.Token);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
                // The peer is gone; nothing more to say.
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "WebSocket ended abruptly: {Reason}")]
    private static partial void LogSocketFailed(ILogger logger, string reason);
}
