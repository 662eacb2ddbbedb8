using System.ComponentModel;
using ContextHub.Tools;

namespace ContextHub.Server.Tests.Conformance;

/// <summary>The tools the MCP conformance suite's server scenarios call.</summary>
[McpToolType]
public static class ConformanceTools
{
    [McpTool("test_simple_text")]
    [Description("Returns a simple text response.")]
    public static string SimpleText() => "This is a simple text response for testing.";
}
