using System.Text;
using System.Text.Json;
using GraphQL.Builders;
using GraphQL.Types;

namespace ContextHub.Server.Gateway.GraphQL;

/// <summary>Reads the engine's JSON results, which are the sources of every object type of the schema.</summary>
internal static class JsonSource
{
    public static JsonElement Get(this JsonElement source, string name) =>
        source.ValueKind == JsonValueKind.Object && source.TryGetProperty(name, out var value) && value.ValueKind is not JsonValueKind.Null
            ? value : default;

    public static string? Text(this JsonElement source, string name) =>
        source.Get(name) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;

    public static object? Json(this JsonElement source, string name) =>
        source.Get(name) is { ValueKind: not JsonValueKind.Undefined } value ? value : null;

    public static bool Flag(this JsonElement source, string name) =>
        source.Get(name) is { ValueKind: JsonValueKind.True };

    public static IEnumerable<JsonElement> Items(this JsonElement source, string name) =>
        source.Get(name) is { ValueKind: JsonValueKind.Array } array ? array.EnumerateArray() : [];

    /// <summary>The text of every <c>text</c> content block, joined by new lines; null when there is none.</summary>
    public static string? JoinedText(this IEnumerable<JsonElement> blocks)
    {
        StringBuilder? text = null;
        foreach (var block in blocks)
        {
            if (block.Text("type") == "text" && block.Text("text") is { } part)
            {
                text = text is null ? new StringBuilder(part) : text.Append('\n').Append(part);
            }
        }

        return text?.ToString();
    }

    public static FieldBuilder<JsonElement, object> Str(this ObjectGraphType<JsonElement> type, string name, string description, bool nonNull = false)
    {
        var field = nonNull ? type.Field<NonNullGraphType<StringGraphType>>(name) : type.Field<StringGraphType>(name);
        return field.Description(description).Resolve(ctx => ctx.Source.Text(name));
    }

    public static FieldBuilder<JsonElement, object> Json(this ObjectGraphType<JsonElement> type, string name, string description, bool nonNull = false)
    {
        var field = nonNull ? type.Field<NonNullGraphType<JsonGraphType>>(name) : type.Field<JsonGraphType>(name);
        return field.Description(description).Resolve(ctx => ctx.Source.Json(name));
    }
}
