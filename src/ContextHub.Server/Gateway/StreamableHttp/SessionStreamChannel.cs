using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ContextHub.Messaging;
using ContextHub.Protocol;
using ContextHub.Sessions;
using Microsoft.AspNetCore.Http;

namespace ContextHub.Server.Gateway.StreamableHttp;

/// <summary>A session's GET stream: messages not tied to a request (list changes, resource updates, server requests).</summary>
internal sealed class SessionStreamChannel(HttpContext context, McpSession session) : IMcpChannel
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private long _eventId;

    public bool CanSendRequests => true;

    public ValueTask SendNotificationAsync(string method, object? parameters, JsonTypeInfo? typeInfo, CancellationToken cancellationToken) =>
        WriteAsync(JsonRpcWriter.ToBytes(w => JsonRpcWriter.WriteNotification(w, method, parameters, typeInfo)), cancellationToken);

    public async Task<JsonElement> SendRequestAsync(string method, object? parameters, JsonTypeInfo? typeInfo, CancellationToken cancellationToken)
    {
        var (id, response) = session.OutgoingRequests.Register(cancellationToken);
        await WriteAsync(JsonRpcWriter.ToBytes(w => JsonRpcWriter.WriteRequest(w, id, method, parameters, typeInfo)), cancellationToken);
        return await response;
    }

    public async ValueTask KeepAliveAsync(CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            SseWriter.WriteKeepAlive(context.Response.BodyWriter);
            await context.Response.BodyWriter.FlushAsync(cancellationToken);
        }
        finally
        {
            _lock.Release();
        }
    }

    private async ValueTask WriteAsync(byte[] message, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, context.RequestAborted);
        await _lock.WaitAsync(linked.Token);
        try
        {
            var id = Interlocked.Increment(ref _eventId).ToString(System.Globalization.CultureInfo.InvariantCulture);
            SseWriter.WriteEvent(context.Response.BodyWriter, message, id);
            await context.Response.BodyWriter.FlushAsync(linked.Token);
        }
        finally
        {
            _lock.Release();
        }
    }
}
