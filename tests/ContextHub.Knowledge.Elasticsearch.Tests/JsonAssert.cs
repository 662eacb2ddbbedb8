using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ContextHub.Knowledge.Elasticsearch.Tests;

/// <summary>Compares JSON by value: property order and number spelling (1 or 1.0) do not matter.</summary>
public static class JsonAssert
{
    public static void Equal(string expected, JsonNode? actual) =>
        Assert.Equal(Canonical(JsonNode.Parse(expected)), Canonical(actual));

    public static void Equal(string expected, string actualJson) => Equal(expected, JsonNode.Parse(actualJson));

    private static string Canonical(JsonNode? node) =>
        Normalize(node)?.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) ?? "null";

    private static JsonNode? Normalize(JsonNode? node) => node switch
    {
        null => null,
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Normalize(p.Value)))),
        JsonArray a => new JsonArray([.. a.Select(Normalize)]),
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => JsonValue.Create(double.Parse(v.ToJsonString(), CultureInfo.InvariantCulture)),
        _ => node.DeepClone(),
    };
}
