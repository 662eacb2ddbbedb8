using System.Text.Json;
using ContextHub.Protocol;
using ContextHub.Tools;
using Json.Schema;

namespace ContextHub.Core.Tests;

public sealed class ArgumentValidatorTests
{
    private static readonly ArgumentValidator Validator = new("t", JsonDocument.Parse("""
        {"type":"object","properties":{
            "name":{"type":"string","minLength":1},
            "tags":{"type":"array","items":{"type":"string"}},
            "limit":{"type":"integer","minimum":1,"maximum":10}},
         "required":["name"]}
        """).RootElement);

    [Fact]
    public void Accepts_arguments_that_fit() =>
        Validator.Validate(Json("""{"name":"x","tags":["a"],"limit":3}"""));

    [Theory]
    [InlineData("""{}""", "arguments.name")]
    [InlineData("""{"name":5}""", "arguments.name")]
    [InlineData("""{"name":"x","tags":["a",1]}""", "arguments.tags[1]")]
    [InlineData("""{"name":"x","limit":11}""", "arguments.limit")]
    public void Names_the_failing_path(string arguments, string path)
    {
        var error = Assert.Throws<McpErrorException>(() => Validator.Validate(Json(arguments)));

        Assert.Equal(McpProtocol.ErrorCodes.InvalidParams, error.Code);
        Assert.Equal(path, error.ErrorData!["path"]!.GetValue<string>());
    }

    [Fact]
    public void Unknown_keywords_and_formats_are_allowed_as_in_json_schema_2020_12() =>
        new ArgumentValidator("x", Json("""{"type":"object","properties":{"r":{"type":"string","x-mcp-header":"R","format":"region-code"}}}"""))
            .Validate(Json("""{"r":"eu"}"""));

    [Fact]
    public void An_invalid_schema_is_refused_when_the_tool_is_registered() =>
        Assert.Throws<ArgumentException>(() => new ArgumentValidator("bad", Json("""{"type":"no-such-type"}""")));

    [Theory]
    [InlineData("""{"type":"object","title":5}""")]
    [InlineData("""{"type":"object","description":["x"]}""")]
    [InlineData("""{"type":"object","format":true}""")]
    [InlineData("""{"type":"object","deprecated":"yes"}""")]
    [InlineData("""{"type":"object","examples":{}}""")]
    [InlineData("""{"type":["string","string"]}""")]
    [InlineData("""{"type":"object","required":["a","a"]}""")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"string","readOnly":1}}}""")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"string","title":"A","default":5,"examples":["x"]}},"required":["a"]}""")]
    public void A_schema_is_refused_at_registration_whenever_json_schema_refuses_it(string schema)
    {
        // The fast check covers these shapes and the full evaluator is built lazily for what it covers, so the fast check
        // must not take a schema the evaluator would refuse.
        var refusedByEvaluator = Refuses(() => JsonSchema.Build(Json(schema),
            new BuildOptions { SchemaRegistry = new SchemaRegistry(), Dialect = Dialect.Draft202012 }));

        Assert.True(!refusedByEvaluator || Refuses(() => _ = new ArgumentValidator("t", Json(schema))), $"{schema} was taken at registration");
    }

    [Fact]
    public void A_covered_schema_builds_the_full_evaluator_only_to_explain_a_failure()
    {
        var validator = new ArgumentValidator("t", Json("""{"type":"object","properties":{"message":{"type":"string"}},"required":["message"]}"""));

        validator.Validate(Json("""{"message":"hi"}"""));
        Assert.False(validator.FullSchemaBuilt);

        var error = Assert.Throws<McpErrorException>(() => validator.Validate(Json("""{"message":5}""")));
        Assert.Equal("arguments.message", error.ErrorData!["path"]!.GetValue<string>());
        Assert.True(validator.FullSchemaBuilt);
    }

    private static bool Refuses(Action build)
    {
        try
        {
            build();
            return false;
        }
        catch (Exception e) when (e is ArgumentException or JsonException or InvalidOperationException or JsonSchemaException)
        {
            return true;
        }
    }

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;
}
