using System.Text.Json;

namespace ContextHub.Tools;

/// <summary>
/// A compiled check for the schemas most tools have (an object of typed properties, required names, enums of
/// strings, arrays whose items share one such schema, annotations). It only ever says "valid" when the full evaluator would; anything it is unsure of goes to
/// JSON Schema evaluation. It exists because argument checking is on every tool call's path. It compiles only schemas that
/// are valid JSON Schema as written (each keyword's value of the kind the specification requires), so a tool whose
/// schema it covers needs the full evaluator only to explain a failure.
/// </summary>
internal sealed class SimpleSchemaCheck
{
    [Flags]
    private enum Types
    {
        None = 0,
        String = 1,
        Integer = 2,
        Number = 4,
        Boolean = 8,
        Object = 16,
        Array = 32,
        Null = 64,
        Any = String | Integer | Number | Boolean | Object | Array | Null,
    }

    // Annotations, each with the kinds of value the specification allows it.
    private static readonly Dictionary<string, Func<JsonValueKind, bool>> Annotations = new(StringComparer.Ordinal)
    {
        ["title"] = static k => k == JsonValueKind.String,
        ["description"] = static k => k == JsonValueKind.String,
        ["$comment"] = static k => k == JsonValueKind.String,
        ["format"] = static k => k == JsonValueKind.String,
        ["examples"] = static k => k == JsonValueKind.Array,
        ["deprecated"] = static k => k is JsonValueKind.True or JsonValueKind.False,
        ["readOnly"] = static k => k is JsonValueKind.True or JsonValueKind.False,
        ["writeOnly"] = static k => k is JsonValueKind.True or JsonValueKind.False,
        ["default"] = static _ => true,
    };

    private readonly Types _types;
    private readonly string[]? _enum;
    private readonly Dictionary<string, SimpleSchemaCheck>? _properties;
    private readonly string[] _required = [];
    private readonly bool _closed;
    private readonly SimpleSchemaCheck? _items;

    private SimpleSchemaCheck(Types types, string[]? values, Dictionary<string, SimpleSchemaCheck>? properties, string[] required, bool closed,
        SimpleSchemaCheck? items)
    {
        _types = types;
        _enum = values;
        _properties = properties;
        _required = required;
        _closed = closed;
        _items = items;
    }

    /// <summary>Compiles <paramref name="schema"/>, or returns null when it uses anything this check does not cover.</summary>
    public static SimpleSchemaCheck? TryCompile(JsonElement schema, bool root = true)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var types = Types.Any;
        string[]? values = null;
        Dictionary<string, SimpleSchemaCheck>? properties = null;
        string[] required = [];
        var closed = false;
        SimpleSchemaCheck? items = null;
        foreach (var keyword in schema.EnumerateObject())
        {
            switch (keyword.Name)
            {
                case "type":
                    types = ParseTypes(keyword.Value);
                    if (types == Types.None)
                    {
                        return null;
                    }

                    break;
                case "enum" when keyword.Value.ValueKind == JsonValueKind.Array
                    && keyword.Value.EnumerateArray().All(v => v.ValueKind == JsonValueKind.String):
                    values = [.. keyword.Value.EnumerateArray().Select(v => v.GetString()!)];
                    break;
                case "properties" when keyword.Value.ValueKind == JsonValueKind.Object:
                    properties = new Dictionary<string, SimpleSchemaCheck>(StringComparer.Ordinal);
                    foreach (var property in keyword.Value.EnumerateObject())
                    {
                        if (TryCompile(property.Value, root: false) is not { } check)
                        {
                            return null;
                        }

                        properties[property.Name] = check;
                    }

                    break;
                case "required" when keyword.Value.ValueKind == JsonValueKind.Array
                    && keyword.Value.EnumerateArray().All(v => v.ValueKind == JsonValueKind.String)
                    && keyword.Value.EnumerateArray().Select(v => v.GetString()).Distinct(StringComparer.Ordinal).Count() == keyword.Value.GetArrayLength():
                    required = [.. keyword.Value.EnumerateArray().Select(v => v.GetString()!)];
                    break;
                case "items" when keyword.Value.ValueKind == JsonValueKind.Object:
                    // One schema for every item (2020-12, and draft-07's single-schema form); a list of schemas is declined.
                    items = TryCompile(keyword.Value, root: false);
                    if (items is null)
                    {
                        return null;
                    }

                    break;
                case "additionalProperties" when keyword.Value.ValueKind is JsonValueKind.True or JsonValueKind.False:
                    closed = keyword.Value.ValueKind == JsonValueKind.False;
                    break;
                case "$schema" when root && keyword.Value.ValueKind == JsonValueKind.String
                    && keyword.Value.GetString() is "https://json-schema.org/draft/2020-12/schema" or "http://json-schema.org/draft-07/schema#":
                    break;
                default:
                    if (!Annotations.TryGetValue(keyword.Name, out var allowed) || !allowed(keyword.Value.ValueKind))
                    {
                        return null;
                    }

                    break;
            }
        }

        return new SimpleSchemaCheck(types, values, properties, required, closed, items);
    }

    public bool IsValid(JsonElement value)
    {
        if (!HasType(value))
        {
            return false;
        }

        if (_enum is not null && (value.ValueKind != JsonValueKind.String || Array.IndexOf(_enum, value.GetString()) < 0))
        {
            return false;
        }

        if (value.ValueKind == JsonValueKind.Array && _items is not null)
        {
            foreach (var item in value.EnumerateArray())
            {
                if (!_items.IsValid(item))
                {
                    return false;
                }
            }

            return true;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            return true;
        }

        foreach (var name in _required)
        {
            if (!value.TryGetProperty(name, out _))
            {
                return false;
            }
        }

        if (_properties is null)
        {
            return !_closed || !value.EnumerateObject().Any();
        }

        foreach (var property in value.EnumerateObject())
        {
            if (_properties.TryGetValue(property.Name, out var check))
            {
                if (!check.IsValid(property.Value))
                {
                    return false;
                }
            }
            else if (_closed)
            {
                return false;
            }
        }

        return true;
    }

    private bool HasType(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => (_types & Types.String) != 0,
        JsonValueKind.Number => (_types & Types.Number) != 0 || ((_types & Types.Integer) != 0 && IsInteger(value)),
        JsonValueKind.True or JsonValueKind.False => (_types & Types.Boolean) != 0,
        JsonValueKind.Object => (_types & Types.Object) != 0,
        JsonValueKind.Array => (_types & Types.Array) != 0,
        JsonValueKind.Null => (_types & Types.Null) != 0,
        _ => false,
    };

    private static bool IsInteger(JsonElement number) =>
        number.TryGetInt64(out _) || (number.TryGetDouble(out var d) && double.IsFinite(d) && Math.Floor(d) == d);

    private static Types ParseTypes(JsonElement type)
    {
        static Types One(string? name) => name switch
        {
            "string" => Types.String,
            "integer" => Types.Integer,
            "number" => Types.Number,
            "boolean" => Types.Boolean,
            "object" => Types.Object,
            "array" => Types.Array,
            "null" => Types.Null,
            _ => Types.None,
        };

        if (type.ValueKind == JsonValueKind.String)
        {
            return One(type.GetString());
        }

        if (type.ValueKind != JsonValueKind.Array)
        {
            return Types.None;
        }

        var types = Types.None;
        foreach (var item in type.EnumerateArray())
        {
            var one = item.ValueKind == JsonValueKind.String ? One(item.GetString()) : Types.None;
            if (one == Types.None || (types & one) != 0)
            {
                return Types.None; // not a type name, or one named twice (the list's items must be unique)
            }

            types |= one;
        }

        return types;
    }
}
