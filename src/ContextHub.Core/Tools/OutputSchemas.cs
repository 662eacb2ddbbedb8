using System.Text.Json;
using System.Text.Json.Nodes;

namespace ContextHub.Tools;

/// <summary>
/// Makes a generated output schema describe what the wire carries: results are written without null properties, so a
/// property that may be null is optional, not required (a validating client such as the TypeScript SDK checks this).
/// </summary>
public static class OutputSchemas
{
    public static JsonElement AllowAbsentNulls(JsonElement schema)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            return schema;
        }

        var node = JsonNode.Parse(schema.GetRawText())!;
        Visit(node);
        return JsonSerializer.SerializeToElement(node, Protocol.CoreJsonContext.Default.JsonNode);
    }

    private static void Visit(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject schema:
                if (schema["properties"] is JsonObject properties && schema["required"] is JsonArray required)
                {
                    for (var i = required.Count - 1; i >= 0; i--)
                    {
                        if (required[i]?.GetValueKind() == JsonValueKind.String
                            && properties[required[i]!.GetValue<string>()] is { } property && AdmitsNull(property))
                        {
                            required.RemoveAt(i);
                        }
                    }

                    if (required.Count == 0)
                    {
                        schema.Remove("required");
                    }
                }

                foreach (var (_, child) in schema.ToArray())
                {
                    Visit(child);
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    Visit(item);
                }

                break;
        }
    }

    private static bool AdmitsNull(JsonNode schema)
    {
        if (schema is not JsonObject obj)
        {
            return false;
        }

        if (obj["type"] is JsonValue type && type.GetValueKind() == JsonValueKind.String && type.GetValue<string>() == "null")
        {
            return true;
        }

        if (obj["type"] is JsonArray types && types.Any(t => t?.GetValueKind() == JsonValueKind.String && t.GetValue<string>() == "null"))
        {
            return true;
        }

        if (obj.ContainsKey("const") && obj["const"] is null)
        {
            return true;
        }

        if (obj["enum"] is JsonArray values && values.Any(v => v is null))
        {
            return true;
        }

        foreach (var keyword in (ReadOnlySpan<string>)["anyOf", "oneOf"])
        {
            if (obj[keyword] is JsonArray branches && branches.Any(b => b is not null && AdmitsNull(b)))
            {
                return true;
            }
        }

        return false;
    }
}
