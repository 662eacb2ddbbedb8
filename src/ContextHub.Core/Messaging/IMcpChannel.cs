using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace ContextHub.Messaging;

/// <summary>
/// The way back to a client: notifications, and (where the door allows it) requests the server sends to the client.
/// Implemented by each door: an HTTP response that upgrades to SSE, the session's GET stream, stdio, a WebSocket.
/// </summary>
public interface IMcpChannel
{
    /// <summary>True when a request sent here can be answered (a live stream with a way back).</summary>
    bool CanSendRequests { get; }

    ValueTask SendNotificationAsync(string method, object? parameters, JsonTypeInfo? typeInfo, CancellationToken cancellationToken);

    /// <summary>Sends a request to the client and waits for its answer; the JSON-RPC error of the client becomes an exception.</summary>
    Task<JsonElement> SendRequestAsync(string method, object? parameters, JsonTypeInfo? typeInfo, CancellationToken cancellationToken);

    /// <summary>
    /// Sends a request whose answer someone else awaits (a task's request, registered by the replica that runs the task):
    /// the JSON-RPC message as it is, id and all. False when this channel cannot carry it.
    /// </summary>
    ValueTask<bool> RelayRequestAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken) => ValueTask.FromResult(false);
}
