using System.Buffers;
using System.Collections.Concurrent;
using System.Text.Json;

namespace ContextHub.Protocol;

/// <summary>A pooled buffer and JSON writer for one outgoing message, so the hot path allocates neither.</summary>
public sealed class JsonRpcBuffer : IDisposable
{
    private const int MaxPooled = 256;
    private const int MaxRetainedBytes = 64 * 1024;
    private static readonly ConcurrentQueue<JsonRpcBuffer> Pool = new();
    private static int _pooled;

    private readonly ArrayBufferWriter<byte> _buffer = new(1024);

    private JsonRpcBuffer() => Writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { SkipValidation = true });

    public Utf8JsonWriter Writer { get; }

    /// <summary>The message written so far (flushes the writer).</summary>
    public ReadOnlyMemory<byte> WrittenMemory
    {
        get
        {
            Writer.Flush();
            return _buffer.WrittenMemory;
        }
    }

    public static JsonRpcBuffer Rent()
    {
        if (Pool.TryDequeue(out var buffer))
        {
            Interlocked.Decrement(ref _pooled);
            return buffer;
        }

        return new JsonRpcBuffer();
    }

    /// <summary>Drops what was written (a message that failed half-way).</summary>
    public void Reset()
    {
        Writer.Reset();
        _buffer.ResetWrittenCount();
    }

    public void Dispose()
    {
        if (_buffer.Capacity > MaxRetainedBytes || Interlocked.Increment(ref _pooled) > MaxPooled)
        {
            Interlocked.Decrement(ref _pooled);
            return;
        }

        Writer.Reset();
        _buffer.ResetWrittenCount();
        Pool.Enqueue(this);
    }
}
