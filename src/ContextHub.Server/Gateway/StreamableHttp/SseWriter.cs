using System.Buffers;
using System.IO.Pipelines;

namespace ContextHub.Server.Gateway.StreamableHttp;

/// <summary>Writes Server-Sent Events frames (<c>event: message</c>, one JSON-RPC message per event) to a response.</summary>
internal static class SseWriter
{
    private static readonly byte[] EventPrefix = "event: message\ndata: "u8.ToArray();
    private static readonly byte[] EventEnd = "\n\n"u8.ToArray();
    private static readonly byte[] KeepAlive = ": keep-alive\n\n"u8.ToArray();

    public static void WriteEvent(PipeWriter writer, ReadOnlySpan<byte> json, string? eventId = null)
    {
        if (eventId is not null)
        {
            writer.Write("id: "u8);
            writer.Write(System.Text.Encoding.UTF8.GetBytes(eventId));
            writer.Write("\n"u8);
        }

        writer.Write(EventPrefix);
        writer.Write(json);
        writer.Write(EventEnd);
    }

    public static void WriteKeepAlive(PipeWriter writer) => writer.Write(KeepAlive);
}
