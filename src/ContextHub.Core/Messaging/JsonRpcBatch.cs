using System.Buffers;
using System.Text.Json;
using ContextHub.Protocol;
using ContextHub.Sessions;

namespace ContextHub.Messaging;

/// <summary>JSON-RPC batches (protocol revision 2025-03-26 only), handled the same way for every door that carries them.</summary>
public static class JsonRpcBatch
{
    /// <summary>Whether <paramref name="session"/> may send batches; other revisions get <see cref="NotAllowed"/>.</summary>
    public static bool Allowed(McpSession? session) => session is not null && McpProtocol.AllowsBatches(session.ProtocolVersion);

    public static McpErrorException NotAllowed() =>
        McpErrorException.InvalidRequest("JSON-RPC batches are only part of protocol revision 2025-03-26");

    /// <summary>
    /// Runs every message of <paramref name="batch"/> in order: requests through the Message Manager, notifications as
    /// notifications, responses to the server's requests into the session. Returns the JSON array of answers, or null
    /// when nothing in the batch gets one.
    /// </summary>
    public static async Task<byte[]?> ProcessBatchAsync(this MessageManager manager, JsonElement batch, McpSession session,
        Func<string, JsonElement, JsonElement, McpRequest> newRequest, CancellationToken cancellationToken)
    {
        var answers = new List<byte[]>();
        foreach (var item in batch.EnumerateArray())
        {
            var kind = JsonRpcMessage.Classify(item, out var method, out var id, out var parameters, out var invalid);
            switch (kind)
            {
                case JsonRpcMessageKind.Invalid:
                    answers.Add(JsonRpcWriter.ToBytes(w => JsonRpcWriter.WriteError(w, id, invalid!)));
                    break;
                case JsonRpcMessageKind.Response:
                    session.OutgoingRequests.TryComplete(item);
                    break;
                case JsonRpcMessageKind.Notification:
                    await manager.ProcessNotificationAsync(newRequest(method, id, parameters), cancellationToken);
                    break;
                default:
                    try
                    {
                        var result = await manager.ProcessAsync(newRequest(method, id, parameters), cancellationToken);
                        answers.Add(JsonRpcWriter.ToBytes(w => JsonRpcWriter.WriteResult(w, id, result)));
                    }
                    catch (McpErrorException e)
                    {
                        answers.Add(JsonRpcWriter.ToBytes(w => JsonRpcWriter.WriteError(w, id, e)));
                    }

                    break;
            }
        }

        if (answers.Count == 0)
        {
            return null;
        }

        var joined = new ArrayBufferWriter<byte>(answers.Sum(a => a.Length) + answers.Count + 1);
        joined.Write("["u8);
        for (var i = 0; i < answers.Count; i++)
        {
            if (i > 0)
            {
                joined.Write(","u8);
            }

            joined.Write(answers[i]);
        }

        joined.Write("]"u8);
        return joined.WrittenSpan.ToArray();
    }
}
