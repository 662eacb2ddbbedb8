using System.ComponentModel;
using System.Text.Json;
using ContextHub.Hosting;
using ContextHub.Messaging;
using ContextHub.Protocol;
using ContextHub.Tools;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Protocol;

namespace ContextHub.Core.Tests;

/// <summary>The engine without any door: a stateless tools/call through the Message Manager.</summary>
public sealed class ToolManagerTests
{
    [Fact]
    public async Task Arguments_that_fail_the_schema_are_a_protocol_error_by_default()
    {
        await using var services = Build(new Dictionary<string, string?>());

        var error = await Assert.ThrowsAsync<McpErrorException>(() => CallAsync(services, "{}"));

        Assert.Equal(McpProtocol.ErrorCodes.InvalidParams, error.Code);
        Assert.Equal("arguments.text", error.ErrorData!["path"]!.GetValue<string>());
    }

    [Fact]
    public async Task Arguments_that_fail_the_schema_can_be_a_tool_result_the_model_reads()
    {
        await using var services = Build(new Dictionary<string, string?> { ["ContextHub:Tools:ArgumentErrors"] = "ToolResult" });

        var result = await CallAsync(services, "{}");

        Assert.True(result.IsError);
        Assert.Contains("arguments.text", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_good_call_returns_the_tools_text()
    {
        await using var services = Build(new Dictionary<string, string?>());

        var result = await CallAsync(services, """{"text":"abc"}""");

        Assert.Equal("cba", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddContextHub(configuration).WithTools(typeof(Reverser));
        return services.BuildServiceProvider();
    }

    private static async Task<CallToolResult> CallAsync(ServiceProvider services, string arguments)
    {
        var manager = services.GetRequiredService<MessageManager>();
        var parameters = new System.Text.Json.Nodes.JsonObject { ["name"] = "reverse", ["arguments"] = System.Text.Json.Nodes.JsonNode.Parse(arguments) };
        return await manager.InvokeAsync("tools/call", parameters, new McpCaller(McpTransportKind.InProcess),
            result => JsonSerializer.Deserialize(result.ToJsonElement(), McpJson.TypeInfo<CallToolResult>())!, CancellationToken.None);
    }

    [McpToolType]
    private static class Reverser
    {
        [McpTool("reverse")]
        [Description("Reverses a text.")]
        public static string Reverse(string text) => new([.. text.Reverse()]);
    }
}
