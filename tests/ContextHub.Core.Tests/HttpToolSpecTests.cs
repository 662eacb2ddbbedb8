using ContextHub.Tools;

namespace ContextHub.Core.Tests;

public sealed class HttpToolSpecTests
{
    [Fact]
    public void Reads_a_yaml_tool_file()
    {
        var spec = HttpToolSpec.Parse("""
            name: weather
            description: Weather for a city.
            inputSchema:
              type: object
              properties:
                city: { type: string }
                days: { type: integer, minimum: 1 }
              required: [city]
            http:
              method: POST
              url: "https://example.test/{{ city }}"
              timeoutSeconds: 5
            """, "weather.yaml");

        Assert.Equal("weather", spec.Name);
        Assert.Equal("POST", spec.Http.Method);
        Assert.Equal(5, spec.Http.TimeoutSeconds);
        Assert.Equal(1, spec.InputSchema!.Value.GetProperty("properties").GetProperty("days").GetProperty("minimum").GetInt32());
    }

    [Theory]
    [InlineData("description: no name\nhttp:\n  url: https://x.test", "'name'")]
    [InlineData("name: x", "'http.url'")]
    [InlineData("name: [", "not valid YAML")]
    [InlineData("- a list", "one object")]
    [InlineData("? [a, b]\n: x\nname: x\nhttp:\n  url: https://x.test", "keys are text")]
    [InlineData("name: x\nname: y\nhttp:\n  url: https://x.test", "not valid YAML")]
    public void A_broken_file_is_refused_with_the_reason(string text, string reason)
    {
        var error = Assert.Throws<FormatException>(() => HttpToolSpec.Parse(text, "bad.yaml"));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_template_that_does_not_parse_loads_and_fails_its_calls_naming_the_field()
    {
        var tool = new HttpTool(HttpToolSpec.Parse("name: x\nhttp:\n  url: \"{% if %}\"", "x.yaml"), null!, "x.yaml");

        Assert.Equal("x", tool.Definition.Name); // listed: parsed on first call
        var error = await Assert.ThrowsAsync<FormatException>(async () =>
            await tool.InvokeAsync(null!, System.Text.Json.JsonDocument.Parse("{}").RootElement));
        Assert.StartsWith("http.url is not a valid Liquid template: ", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", Tasks.ToolTaskSupport.Forbidden)]
    [InlineData("taskSupport: optional\n", Tasks.ToolTaskSupport.Optional)]
    [InlineData("taskSupport: required\n", Tasks.ToolTaskSupport.Required)]
    public void A_declarative_tool_opts_in_to_tasks(string line, Tasks.ToolTaskSupport expected)
    {
        var spec = HttpToolSpec.Parse(line + "name: slow\nhttp:\n  url: https://example.test/slow\n", "slow.yaml");

        Assert.Equal(expected, new HttpTool(spec, new NoClients(), "slow.yaml").TaskSupport);
    }

    [Fact]
    public void An_unknown_task_support_is_refused_with_the_values()
    {
        var spec = HttpToolSpec.Parse("taskSupport: sometimes\nname: slow\nhttp:\n  url: https://example.test/slow\n", "slow.yaml");

        var error = Assert.Throws<FormatException>(() => new HttpTool(spec, new NoClients(), "slow.yaml"));

        Assert.Contains("forbidden, optional, required", error.Message, StringComparison.Ordinal);
    }

    private sealed class NoClients : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => throw new InvalidOperationException("not used");
    }
}
