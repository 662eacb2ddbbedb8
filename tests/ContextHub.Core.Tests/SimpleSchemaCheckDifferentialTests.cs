using System.Text.Json;
using System.Text.Json.Nodes;
using ContextHub.Tools;
using Json.Schema;

namespace ContextHub.Core.Tests;

/// <summary>
/// Differential test: random schemas (including keywords the fast check does not cover) and random values, judged
/// by the fast check and by JsonSchema.Net built as the argument validator builds it (2020-12). Wherever the fast check compiles a schema, both must give the same verdict
/// on every value. The seed is fixed so a failure repeats; the failing schema and value are in the message.
/// </summary>
public sealed class SimpleSchemaCheckDifferentialTests
{
    private static readonly string[] TypeNames = ["string", "integer", "number", "boolean", "object", "array", "null"];
    private static readonly string[] PropertyNames = ["a", "b", "c"];
    private static readonly string[] Words = ["x", "y", ""];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void The_fast_check_agrees_with_full_evaluation_on_generated_inputs(int seed)
    {
        var random = new Random(seed);
        var compiled = 0;
        for (var i = 0; i < 150; i++)
        {
            var schemaNode = Schema(random, depth: 0, root: true);
            var schemaText = schemaNode.ToJsonString();
            using var schemaDocument = JsonDocument.Parse(schemaText);
            var check = SimpleSchemaCheck.TryCompile(schemaDocument.RootElement);
            if (check is null)
            {
                continue;
            }

            compiled++;
            var full = JsonSchema.Build(schemaDocument.RootElement, new BuildOptions { SchemaRegistry = new SchemaRegistry(), Dialect = Dialect.Draft202012 }, new Uri($"urn:differential:{seed}:{i}"));
            for (var j = 0; j < 40; j++)
            {
                var valueText = Value(random, 0)?.ToJsonString() ?? "null";
                using var valueDocument = JsonDocument.Parse(valueText);
                var expected = full.Evaluate(valueDocument.RootElement).IsValid;
                Assert.True(expected == check.IsValid(valueDocument.RootElement),
                    $"schema {schemaText} and value {valueText}: JsonSchema.Net says {(expected ? "valid" : "invalid")}, the fast check disagrees");
            }
        }

        // The generator must mostly produce schemas the fast check takes, or the comparison proves little.
        Assert.True(compiled >= 60, $"only {compiled} of 150 generated schemas compiled");
    }

    private static JsonObject Schema(Random random, int depth, bool root)
    {
        var schema = new JsonObject();
        var roll = random.Next(10);
        if (root)
        {
            schema["type"] = "object";
        }
        else if (roll < 6)
        {
            schema["type"] = TypeNames[random.Next(depth >= 2 ? 4 : TypeNames.Length)];
        }
        else if (roll < 8)
        {
            schema["type"] = new JsonArray(JsonValue.Create(TypeNames[random.Next(TypeNames.Length)]), JsonValue.Create("null"));
        }

        if (schema["type"]?.GetValueKind() == JsonValueKind.String && (string?)schema["type"] == "string" && random.Next(3) == 0)
        {
            schema["enum"] = new JsonArray([.. Words.Take(random.Next(1, Words.Length + 1)).Select(w => (JsonNode)JsonValue.Create(w)!)]);
        }

        var isObject = (schema["type"]?.GetValueKind() == JsonValueKind.String && (string?)schema["type"] == "object") || random.Next(6) == 0;
        if (isObject && depth < 2)
        {
            var properties = new JsonObject();
            foreach (var name in PropertyNames.Where(_ => random.Next(2) == 0))
            {
                properties[name] = Schema(random, depth + 1, root: false);
            }

            schema["properties"] = properties;
            if (random.Next(2) == 0)
            {
                schema["required"] = new JsonArray([.. PropertyNames.Where(_ => random.Next(3) == 0).Select(n => (JsonNode)JsonValue.Create(n)!)]);
            }

            if (random.Next(3) == 0)
            {
                schema["additionalProperties"] = random.Next(2) == 0;
            }
        }

        var isArray = (schema["type"]?.GetValueKind() == JsonValueKind.String && (string?)schema["type"] == "array") || random.Next(8) == 0;
        if (isArray && depth < 2 && random.Next(4) != 0)
        {
            schema["items"] = Schema(random, depth + 1, root: false);
        }

        switch (random.Next(14))
        {
            case 0: schema["description"] = "annotation only"; break;
            case 1: schema["default"] = 1; break;
            case 2: schema["minLength"] = 1; break;           // not covered: the fast check must decline
            case 3: schema["minimum"] = 0; break;             // not covered
            case 4: schema["format"] = "date-time"; break;    // an annotation in 2020-12
        }

        return schema;
    }

    private static JsonNode? Value(Random random, int depth)
    {
        switch (random.Next(depth >= 2 ? 7 : 9))
        {
            case 0: return null;
            case 1: return JsonValue.Create(Words[random.Next(Words.Length)]);
            case 2: return JsonValue.Create(random.Next(-3, 4));
            case 3: return JsonValue.Create(random.Next(-3, 4) + 0.5);
            case 4: return JsonValue.Create(random.Next(2) == 0);
            case 5: return JsonNode.Parse("2.0");
            case 6: return JsonNode.Parse("12345678901234567890");
            case 7:
                var array = new JsonArray();
                for (var i = random.Next(3); i > 0; i--)
                {
                    array.Add(Value(random, depth + 1));
                }

                return array;
            default:
                var obj = new JsonObject();
                foreach (var name in PropertyNames.Append("z").Where(_ => random.Next(2) == 0))
                {
                    obj[name] = Value(random, depth + 1);
                }

                return obj;
        }
    }
}
