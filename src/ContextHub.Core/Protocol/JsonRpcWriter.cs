using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using ContextHub.Messaging;

namespace ContextHub.Protocol;

/// <summary>Writes JSON-RPC 2.0 messages straight to a <see cref="Utf8JsonWriter"/>.</summary>
public static class JsonRpcWriter
{
    private static readonly JsonEncodedText JsonRpc = JsonEncodedText.Encode("jsonrpc");
    private static readonly JsonEncodedText Version = JsonEncodedText.Encode("2.0");
    private static readonly JsonEncodedText IdName = JsonEncodedText.Encode("id");
    private static readonly JsonEncodedText ResultName = JsonEncodedText.Encode("result");
    private static readonly JsonEncodedText ErrorName = JsonEncodedText.Encode("error");
    private static readonly JsonEncodedText MethodName = JsonEncodedText.Encode("method");
    private static readonly JsonEncodedText ParamsName = JsonEncodedText.Encode("params");

    public static void WriteResult(Utf8JsonWriter writer, JsonElement id, in McpResult result)
    {
        writer.WriteStartObject();
        writer.WriteString(JsonRpc, Version);
        writer.WritePropertyName(IdName);
        id.WriteTo(writer);
        writer.WritePropertyName(ResultName);
        result.WriteTo(writer);
        writer.WriteEndObject();
    }

    /// <summary>Writes an error response; <paramref name="id"/> may be <c>Undefined</c> (written as null, as JSON-RPC asks when the id is unknown).</summary>
    public static void WriteError(Utf8JsonWriter writer, JsonElement id, int code, string message, JsonNode? data)
    {
        writer.WriteStartObject();
        writer.WriteString(JsonRpc, Version);
        writer.WritePropertyName(IdName);
        if (id.ValueKind is JsonValueKind.String or JsonValueKind.Number)
        {
            id.WriteTo(writer);
        }
        else
        {
            writer.WriteNullValue();
        }

        writer.WriteStartObject(ErrorName);
        writer.WriteNumber("code"u8, code);
        writer.WriteString("message"u8, message);
        if (data is not null)
        {
            writer.WritePropertyName("data"u8);
            data.WriteTo(writer);
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    public static void WriteError(Utf8JsonWriter writer, JsonElement id, McpErrorException error) =>
        WriteError(writer, id, error.Code, error.Message, error.ErrorData);

    public static void WriteNotification(Utf8JsonWriter writer, string method, object? parameters, JsonTypeInfo? typeInfo) =>
        WriteMessage(writer, null, method, parameters, typeInfo);

    public static void WriteRequest(Utf8JsonWriter writer, long id, string method, object? parameters, JsonTypeInfo? typeInfo) =>
        WriteMessage(writer, id, method, parameters, typeInfo);

    private static void WriteMessage(Utf8JsonWriter writer, long? id, string method, object? parameters, JsonTypeInfo? typeInfo)
    {
        writer.WriteStartObject();
        writer.WriteString(JsonRpc, Version);
        if (id is { } value)
        {
            writer.WriteNumber(IdName, value);
        }

        writer.WriteString(MethodName, method);
        if (parameters is not null && typeInfo is not null)
        {
            writer.WritePropertyName(ParamsName);
            JsonSerializer.Serialize(writer, parameters, typeInfo);
        }

        writer.WriteEndObject();
    }

    /// <summary>Serializes one message to a byte array (for queues and SSE frames, off the hot path).</summary>
    public static byte[] ToBytes(Action<Utf8JsonWriter> write)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }
}
