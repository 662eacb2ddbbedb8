using System.Text.Json;
using ContextHub.Tools;
using Json.Schema;

namespace ContextHub.Core.Tests;

/// <summary>The fast argument check must agree with full JSON Schema evaluation on every schema it accepts to compile.</summary>
public sealed class SimpleSchemaCheckTests
{
    private static readonly string[] Schemas =
    [
        """{"type":"object","properties":{"message":{"type":"string","description":"d"}},"required":["message"]}""",
        """{"type":"object","properties":{"n":{"type":"integer"},"x":{"type":["number","null"],"default":null}},"additionalProperties":false}""",
        """{"type":"object","properties":{"kind":{"type":"string","enum":["a","b"]},"tags":{"type":"array"},"on":{"type":"boolean"}}}""",
        """{"type":"object","properties":{"inner":{"type":"object","properties":{"k":{"type":"string"}},"required":["k"]}}}""",
        """{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object","additionalProperties":false}""",
    ];

    private static readonly string[] Values =
    [
        "{}", """{"message":"hi"}""", """{"message":5}""", """{"message":null}""", """{"n":1}""", """{"n":1.0}""", """{"n":1.5}""",
        """{"x":null}""", """{"x":2.5}""", """{"x":"2"}""", """{"other":1}""", """{"kind":"a"}""", """{"kind":"c"}""", """{"kind":1}""",
        """{"tags":[1,"a"]}""", """{"tags":{}}""", """{"on":true}""", """{"on":"true"}""", """{"inner":{}}""", """{"inner":{"k":"v"}}""",
        """{"inner":{"k":1}}""", """{"inner":[]}""", "[]", "\"text\"", "null", """{"n":12345678901234567890}""",
    ];

    public static TheoryData<int> SchemaIndexes => [.. Enumerable.Range(0, Schemas.Length)];

    [Theory]
    [MemberData(nameof(SchemaIndexes))]
    public void Agrees_with_full_evaluation(int index)
    {
        var schemaElement = JsonDocument.Parse(Schemas[index]).RootElement;
        var check = SimpleSchemaCheck.TryCompile(schemaElement);
        var full = JsonSchema.Build(schemaElement, new BuildOptions { SchemaRegistry = new SchemaRegistry() }, new Uri($"urn:test:{index}"));

        Assert.NotNull(check);
        foreach (var text in Values)
        {
            var value = JsonDocument.Parse(text).RootElement;
            Assert.True(full.Evaluate(value).IsValid == check.IsValid(value), $"schema {index} and {text} disagree");
        }
    }

    [Theory]
    [InlineData("""{"type":"object","properties":{"s":{"type":"string","minLength":1}}}""")]
    [InlineData("""{"type":"object","properties":{"a":{"$ref":"#/$defs/x"}}}""")]
    [InlineData("""{"type":"object","anyOf":[{"required":["a"]}]}""")]
    [InlineData("""{"type":"object","properties":{"e":{"enum":[1,2]}}}""")]
    [InlineData("""{"type":"decimal"}""")]
    public void Leaves_what_it_does_not_cover_to_full_evaluation(string schema) =>
        Assert.Null(SimpleSchemaCheck.TryCompile(JsonDocument.Parse(schema).RootElement));
}
