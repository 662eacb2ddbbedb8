using System.Text.Json;
using ContextHub.Server.Tests.Infrastructure;

namespace ContextHub.Server.Tests.Node;

/// <summary>The official TypeScript SDK client (tests/js/ts-sdk-client.mjs) over Streamable HTTP.</summary>
[Collection(ServerCollection.Name)]
public sealed class TypeScriptSdkTests(TestServer server)
{
    [Fact]
    public async Task Lists_and_calls_tools_and_hears_list_changes()
    {
        var (exitCode, output, error) = await NodeTools.RunAsync(Path.Combine(NodeTools.NodeBin, "node"),
            ["ts-sdk-client.mjs", server.McpEndpoint.ToString()], TimeSpan.FromMinutes(2));

        Assert.True(exitCode == 0, $"ts-sdk-client.mjs exited {exitCode}: {error}\n{output}");
        var seen = JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement;
        Assert.Equal("2025-11-25", seen.GetProperty("protocolVersion").GetString());
        Assert.False(string.IsNullOrEmpty(seen.GetProperty("sessionId").GetString()));
        Assert.Equal("ContextHub", seen.GetProperty("server").GetProperty("name").GetString());
        Assert.Contains("echo", seen.GetProperty("tools").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal("echo: from typescript", seen.GetProperty("echo").GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal(3, seen.GetProperty("stats").GetProperty("structuredContent").GetProperty("words").GetInt32());
        Assert.Equal([0, 1, 2], seen.GetProperty("progress").EnumerateArray().Select(p => p.GetInt32()).Take(3));
        Assert.Equal("The user answered: from typescript", seen.GetProperty("ask").GetProperty("content")[0].GetProperty("text").GetString());
        // 2025-11-25: arguments that fail the schema are a tool error the model can read, not -32602.
        Assert.True(seen.GetProperty("badArguments").GetProperty("isError").GetBoolean());
        Assert.Contains("arguments.message", seen.GetProperty("badArguments").GetProperty("content")[0].GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Contains("x = 1", seen.GetProperty("promptText").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("# ContextHub sample resources", seen.GetProperty("resourceText").GetString(), StringComparison.Ordinal);
        Assert.True(seen.GetProperty("listChangedHeard").GetBoolean(), "tools/list_changed did not reach the TypeScript client");
    }
}
