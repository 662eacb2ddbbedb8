using System.Text.Json;
using ContextHub.Server.Tests.Infrastructure;

namespace ContextHub.Server.Tests.Node;

/// <summary>The MCP Inspector CLI (the tool people use to poke at a server) against the gateway.</summary>
[Collection(ServerCollection.Name)]
public sealed class InspectorCliTests(TestServer server)
{
    [Theory]
    [InlineData("tools/list", "tools", "echo")]
    [InlineData("resources/list", "resources", "res://samples/README.md")]
    [InlineData("prompts/list", "prompts", "code_review")]
    public async Task Lists_what_the_server_offers(string method, string property, string expected)
    {
        var (exitCode, output, error) = await InspectAsync("--method", method);

        Assert.True(exitCode == 0, error);
        var items = JsonDocument.Parse(output).RootElement.GetProperty(property).EnumerateArray()
            .Select(i => i.TryGetProperty("name", out var name) && property != "resources" ? name.GetString() : i.GetProperty("uri").GetString());
        Assert.Contains(expected, items);
    }

    [Fact]
    public async Task Calls_a_tool_with_arguments()
    {
        var (exitCode, output, error) = await InspectAsync("--method", "tools/call", "--tool-name", "echo", "--tool-arg", "message=inspected");

        Assert.True(exitCode == 0, error);
        Assert.Equal("echo: inspected", JsonDocument.Parse(output).RootElement.GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task A_tool_error_is_reported_as_one()
    {
        var (exitCode, output, _) = await InspectAsync("--method", "tools/call", "--tool-name", "test_error_handling");

        Assert.Equal(5, exitCode);
        Assert.Contains("intentionally returns an error", output, StringComparison.Ordinal);
    }

    private Task<(int ExitCode, string Output, string Error)> InspectAsync(params string[] arguments) =>
        NodeTools.RunAsync(NodeTools.Bin("mcp-inspector"), ["--cli", server.McpEndpoint.ToString(), "--transport", "http", .. arguments], TimeSpan.FromMinutes(2));
}
