using System.Collections;
using System.Text.Json;
using ContextHub.Protocol;
using ModelContextProtocol.Protocol;

namespace ContextHub.Tools;

/// <summary>Turns what a tool method returned into a <see cref="CallToolResult"/>.</summary>
public static class ToolResults
{
    public static CallToolResult Text(string text, bool isError = false) =>
        new() { Content = [new TextContentBlock { Text = text }], IsError = isError ? true : null };

    public static CallToolResult Error(string message) => Text(message, isError: true);

    /// <summary>
    /// null → no content; string → text; content blocks → as they are; a result → itself; any other value →
    /// its JSON as text, and as <c>structuredContent</c> when the tool declares an output schema.
    /// </summary>
    public static CallToolResult From(object? value, bool structured)
    {
        switch (value)
        {
            case null:
                return new CallToolResult { Content = [] };
            case CallToolResult result:
                return result;
            case string text:
                return Text(text);
            case ContentBlock block:
                return new CallToolResult { Content = [block] };
            case IEnumerable<ContentBlock> blocks:
                return new CallToolResult { Content = [.. blocks] };
            case JsonElement element when element.ValueKind == JsonValueKind.String:
                return Text(element.GetString()!);
        }

        var json = value is JsonElement raw ? raw : JsonSerializer.SerializeToElement(value, McpJson.Options.GetTypeInfo(value.GetType()));
        return new CallToolResult
        {
            Content = [new TextContentBlock { Text = json.GetRawText() }],
            StructuredContent = structured && json.ValueKind == JsonValueKind.Object ? json : null,
        };
    }

    /// <summary>Return types that produce an output schema: objects that are not text or content.</summary>
    public static bool IsStructured(Type returnType)
    {
        var type = Unwrap(returnType);
        return type != typeof(void) && type != typeof(string) && type != typeof(object) && !type.IsPrimitive
            && !type.IsEnum && type != typeof(decimal) && type != typeof(JsonElement)
            && !typeof(ContentBlock).IsAssignableFrom(type) && !typeof(CallToolResult).IsAssignableFrom(type)
            && !typeof(IEnumerable).IsAssignableFrom(type);
    }

    private static Type Unwrap(Type type)
    {
        if (type == typeof(Task) || type == typeof(ValueTask))
        {
            return typeof(void);
        }

        if (type.IsGenericType && (type.GetGenericTypeDefinition() == typeof(Task<>) || type.GetGenericTypeDefinition() == typeof(ValueTask<>)))
        {
            return type.GetGenericArguments()[0];
        }

        return Nullable.GetUnderlyingType(type) ?? type;
    }
}
