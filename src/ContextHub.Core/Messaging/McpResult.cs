using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace ContextHub.Messaging;

/// <summary>The outcome of a request: a value with the type info that writes it. Failures travel as <see cref="Protocol.McpErrorException"/>.</summary>
public readonly struct McpResult
{
    private McpResult(object value, JsonTypeInfo typeInfo)
    {
        Value = value;
        TypeInfo = typeInfo;
    }

    public object? Value { get; }

    public JsonTypeInfo? TypeInfo { get; }

    public static McpResult Of<T>(T value, JsonTypeInfo<T> typeInfo) where T : class => new(value, typeInfo);

    public void WriteTo(Utf8JsonWriter writer)
    {
        if (Value is null || TypeInfo is null)
        {
            writer.WriteStartObject();
            writer.WriteEndObject();
            return;
        }

        JsonSerializer.Serialize(writer, Value, TypeInfo);
    }

    /// <summary>The result as a JSON element (for doors that reshape it, such as REST and GraphQL).</summary>
    public JsonElement ToJsonElement() =>
        Value is null || TypeInfo is null ? JsonDocument.Parse("{}").RootElement : JsonSerializer.SerializeToElement(Value, TypeInfo);
}
