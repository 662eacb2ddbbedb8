using System.Text.Json;
using ContextHub.Messaging;
using ContextHub.Tools;
using ModelContextProtocol.Protocol;

namespace ContextHub.Samples.Conformance;

/// <summary>A tool with an argument mirrored into an HTTP header (<c>x-mcp-header</c>, SEP-2243).</summary>
internal sealed class HeaderRoutedTool : McpTool
{
    public override Tool Definition { get; } = new()
    {
        Name = "test_custom_headers",
        Description = "Echoes a region that clients also send as the Mcp-Param-Region header.",
        InputSchema = JsonDocument.Parse("""
            {"type":"object","properties":{"region":{"type":"string","description":"Where to run.","x-mcp-header":"Region"}},"required":["region"]}
            """).RootElement,
    };

    public override ValueTask<CallToolResult> InvokeAsync(McpCallContext context, JsonElement arguments) =>
        ValueTask.FromResult(ToolResults.Text("region: " + arguments.GetProperty("region").GetString()));
}
