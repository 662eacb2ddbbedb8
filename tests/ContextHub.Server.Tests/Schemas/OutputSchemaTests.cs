using System.Text.Json;
using System.Text.Json.Nodes;
using ContextHub.Server.Tests.Infrastructure;
using ContextHub.Server.Tests.SdkClient;
using Json.Schema;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace ContextHub.Server.Tests.Schemas;

/// <summary>
/// Every tool that advertises an <c>outputSchema</c> returns <c>structuredContent</c> valid against it (JSON Schema
/// 2020-12), in every outcome: generated arguments for each listed tool, plus the edge outcomes of the knowledge tools.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class OutputSchemaTests(TestServer server)
{
    private static readonly EvaluationOptions Detailed = new() { OutputFormat = OutputFormat.List };

    [Theory]
    [InlineData("2025-11-25")]
    [InlineData("2026-07-28")]
    public async Task Every_structured_result_matches_the_tools_own_output_schema(string revision)
    {
        await using var client = await SdkClients.ConnectAsync(server, revision);
        var tools = (await client.ListToolsAsync()).Select(t => t.ProtocolTool).Where(t => t.OutputSchema is not null).ToList();
        Assert.Contains(tools, t => t.Name == "ingest");

        var run = Guid.NewGuid().ToString("N")[..8];
        var text = $"Tide tables for harbour {run}: high water at dawn, low water at noon.";
        var calls = new List<(string Tool, JsonObject Arguments)>();
        foreach (var tool in tools)
        {
            calls.Add((tool.Name, Generate(tool.InputSchema)!.AsObject()));
        }

        // The knowledge tools' outcomes, in an order that reaches each of them.
        calls.AddRange(
        [
            ("ingest", new JsonObject { ["source"] = $"tides/{run}.md", ["text"] = text, ["tags"] = new JsonArray("sea") }),
            ("ingest", new JsonObject { ["source"] = $"copy/{run}.md", ["text"] = text }),
            ("ingest", new JsonObject { ["source"] = $"tides/{run}.md", ["text"] = text + " Updated." }),
            ("ingest", new JsonObject { ["source"] = $"empty/{run}.txt", ["text"] = "   " }),
            ("ingest", new JsonObject { ["source"] = $"bad/{run}.pdf", ["data"] = "not base64!" }),
            ("ingest_many", new JsonObject
            {
                ["documents"] = new JsonArray(
                    new JsonObject { ["source"] = $"many/{run}-1.md", ["text"] = $"Lantern oil {run}" },
                    new JsonObject { ["source"] = $"many/{run}-2.md", ["text"] = $"Lantern oil {run}" },
                    new JsonObject { ["source"] = $"many/{run}-3.md", ["data"] = "%%%" },
                    new JsonObject { ["source"] = $"many/{run}-4.md" }),
            }),
            ("search", new JsonObject { ["query"] = "high water dawn", ["tags"] = new JsonArray("sea") }),
            ("search", new JsonObject { ["query"] = "zzqx" + run, ["mode"] = "fulltext" }),
            ("search", new JsonObject { ["query"] = "x", ["limit"] = 0 }),
            ("fetch", new JsonObject { ["id"] = "no-such-" + run }),
            ("delete", new JsonObject { ["id"] = "no-such-" + run }),
            ("tool_calls", new JsonObject { ["limit"] = 5 }),
            ("tool_calls", new JsonObject { ["tool"] = "no-such-tool-" + run }),
            ("tool_calls", new JsonObject { ["outcome"] = "sideways" }),
        ]);

        var validated = new Dictionary<string, int>(StringComparer.Ordinal);
        var failures = new List<string>();
        string? ingestedId = null;
        foreach (var (name, arguments) in calls)
        {
            var result = await CallAsync(client, name, arguments);
            Check(tools.Single(t => t.Name == name), arguments, result, validated, failures);
            if (name == "ingest" && result.StructuredContent is { } added && added.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String)
            {
                ingestedId ??= id.GetString();
            }
        }

        Assert.NotNull(ingestedId);
        foreach (var (name, arguments) in new (string, JsonObject)[]
        {
            ("fetch", new JsonObject { ["id"] = ingestedId }),
            ("delete", new JsonObject { ["id"] = ingestedId }),
            ("fetch", new JsonObject { ["id"] = ingestedId }),
        })
        {
            Check(tools.Single(t => t.Name == name), arguments, await CallAsync(client, name, arguments), validated, failures);
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        var unchecked_ = tools.Where(t => !validated.ContainsKey(t.Name)).Select(t => t.Name).ToList();
        Assert.True(unchecked_.Count == 0, "No structured result was validated for: " + string.Join(", ", unchecked_));
        Assert.True(validated["ingest"] >= 3 && validated["search"] >= 2 && validated["delete"] >= 2, string.Join(", ", validated));
    }

    private static async Task<CallToolResult> CallAsync(McpClient client, string name, JsonObject arguments) =>
        await client.CallToolAsync(name, arguments.ToDictionary(p => p.Key, p => (object?)JsonSerializer.SerializeToElement(p.Value)));

    private static void Check(Tool tool, JsonObject arguments, CallToolResult result, Dictionary<string, int> validated, List<string> failures)
    {
        var label = $"{tool.Name}({arguments.ToJsonString()})";
        if (result.StructuredContent is not { } structured)
        {
            if (result.IsError != true)
            {
                failures.Add($"{label}: a tool with an outputSchema returned no structuredContent and no error");
            }

            return;
        }

        var schema = JsonSchema.Build(tool.OutputSchema!.Value, new BuildOptions { SchemaRegistry = new SchemaRegistry(), Dialect = Dialect.Draft202012 },
            new Uri($"urn:contexthub-test:{tool.Name}:{Guid.NewGuid():N}"));
        var evaluation = schema.Evaluate(structured, Detailed);
        if (!evaluation.IsValid)
        {
            var errors = (evaluation.Details ?? []).Where(d => d.Errors is { Count: > 0 })
                .Select(d => $"{d.InstanceLocation}: {string.Join("; ", d.Errors!.Values)}");
            var json = structured.GetRawText();
            failures.Add($"{label}: {(json.Length > 300 ? json[..300] + "…" : json)} does not match its outputSchema: {string.Join(" | ", errors)}");
            return;
        }

        validated[tool.Name] = validated.GetValueOrDefault(tool.Name) + 1;
    }

    /// <summary>Arguments a schema accepts: every required property with the smallest value of its type.</summary>
    private static JsonNode? Generate(JsonElement schema)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            return "schema-check";
        }

        if (schema.TryGetProperty("enum", out var values) && values.GetArrayLength() > 0)
        {
            return JsonNode.Parse(values[0].GetRawText());
        }

        if (schema.TryGetProperty("default", out var preset))
        {
            return JsonNode.Parse(preset.GetRawText());
        }

        var type = schema.TryGetProperty("type", out var t)
            ? t.ValueKind == JsonValueKind.Array ? t.EnumerateArray().Select(x => x.GetString()).First(x => x != "null") : t.GetString()
            : "object";
        return type switch
        {
            "string" => "schema-check",
            "integer" => schema.TryGetProperty("minimum", out var min) ? min.GetInt64() : 1,
            "number" => 1.5,
            "boolean" => true,
            "array" => new JsonArray(schema.TryGetProperty("items", out var items) ? Generate(items) : "schema-check"),
            _ => GenerateObject(schema),
        };
    }

    private static JsonObject GenerateObject(JsonElement schema)
    {
        var value = new JsonObject();
        if (schema.TryGetProperty("properties", out var properties) && schema.TryGetProperty("required", out var required))
        {
            foreach (var name in required.EnumerateArray().Select(r => r.GetString()!))
            {
                value[name] = properties.TryGetProperty(name, out var property) ? Generate(property) : "schema-check";
            }
        }

        return value;
    }
}
