using System.Text.Json;
using ContextHub.Protocol;
using ContextHub.Tools;

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

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;
}
