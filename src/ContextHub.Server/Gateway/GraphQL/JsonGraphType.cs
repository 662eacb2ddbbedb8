using System.Collections;
using System.Globalization;
using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;
using GraphQL.Types;
using GraphQLParser.AST;

namespace ContextHub.Server.Gateway.GraphQL;

/// <summary>
/// <c>JSON</c>: any JSON value (schemas, tool arguments, content blocks, structured content). Input becomes a
/// <see cref="JsonNode"/>; output is written as the JSON it holds.
/// </summary>
public sealed class JsonGraphType : ScalarGraphType
{
    public JsonGraphType()
    {
        Name = "JSON";
        Description = "Any JSON value: an object, an array, a string, a number, a boolean or null.";
    }

    public override object? ParseLiteral(GraphQLValue value) => value switch
    {
        GraphQLNullValue => null,
        GraphQLStringValue s => JsonValue.Create((string)s.Value),
        GraphQLBooleanValue b => JsonValue.Create(b.BoolValue),
        GraphQLIntValue i => JsonNode.Parse(i.Value.Span.ToString()),
        GraphQLFloatValue f => JsonNode.Parse(f.Value.Span.ToString()),
        GraphQLEnumValue e => JsonValue.Create((string)e.Name.Value),
        GraphQLListValue list => new JsonArray([.. (list.Values ?? []).Select(v => (JsonNode?)ParseLiteral(v))]),
        GraphQLObjectValue obj => ToObject(obj),
        _ => ThrowLiteralConversionError(value),
    };

    public override object? ParseValue(object? value) => ToNode(value);

    public override object? Serialize(object? value) => value switch
    {
        null => null,
        JsonElement { ValueKind: JsonValueKind.Undefined or JsonValueKind.Null } => null,
        JsonElement element => element,
        JsonNode node => node,
        _ => ToNode(value),
    };

    public override bool CanParseLiteral(GraphQLValue value)
    {
        try
        {
            ParseLiteral(value);
            return true;
        }
        catch (Exception e) when (e is InvalidOperationException or JsonException or FormatException)
        {
            return false;
        }
    }

    public override bool CanParseValue(object? value)
    {
        try
        {
            ParseValue(value);
            return true;
        }
        catch (Exception e) when (e is InvalidOperationException or JsonException or FormatException)
        {
            return false;
        }
    }

    private JsonObject ToObject(GraphQLObjectValue value)
    {
        var result = new JsonObject();
        foreach (var field in value.Fields ?? [])
        {
            result[(string)field.Name.Value] = (JsonNode?)ParseLiteral(field.Value);
        }

        return result;
    }

    /// <summary>Turns a variable's value (as the serializer read it) into JSON.</summary>
    internal static JsonNode? ToNode(object? value) => value switch
    {
        null => null,
        JsonNode node => node.DeepClone(),
        JsonElement element => JsonNode.Parse(element.GetRawText()),
        string s => JsonValue.Create(s),
        bool b => JsonValue.Create(b),
        int i => JsonValue.Create(i),
        long l => JsonValue.Create(l),
        short s => JsonValue.Create(s),
        byte b => JsonValue.Create(b),
        uint u => JsonValue.Create(u),
        ulong u => JsonValue.Create(u),
        double d => JsonValue.Create(d),
        float f => JsonValue.Create(f),
        decimal m => JsonValue.Create(m),
        BigInteger big => JsonNode.Parse(big.ToString(CultureInfo.InvariantCulture)),
        IDictionary<string, object?> map => new JsonObject(map.Select(p => KeyValuePair.Create(p.Key, ToNode(p.Value)))),
        IEnumerable list => new JsonArray([.. list.Cast<object?>().Select(ToNode)]),
        _ => throw new InvalidOperationException($"A value of type {value.GetType().Name} is not JSON."),
    };
}
