using System.Diagnostics;
using System.Text.Json;
using ContextHub.Server.Tests.Http;
using ContextHub.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ContextHub.Server.Tests.GraphQL;

/// <summary>
/// Real JavaScript clients against /graphql: graphql-http's GraphQL-over-HTTP audit (tests/js/graphql-audit.mjs) and the
/// graphql-ws client (tests/js/graphql-ws-client.mjs) over the graphql-transport-ws protocol.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class GraphQLNodeClientTests(TestServer server, ITestOutputHelper output)
{
    private static string Node => Path.Combine(NodeTools.NodeBin, "node");

    private Uri HttpEndpoint => new(server.BaseAddress, "/graphql");

    private string WsEndpoint => "ws://" + server.BaseAddress.Authority + "/graphql";

    [Fact]
    public async Task The_graphql_http_audit_finds_no_errors()
    {
        var (exitCode, stdout, stderr) = await NodeTools.RunAsync(Node, ["graphql-audit.mjs", HttpEndpoint.ToString()], TimeSpan.FromMinutes(2));

        Assert.True(exitCode == 0, $"graphql-audit.mjs exited {exitCode}: {stderr}\n{stdout}");
        var results = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]).RootElement.EnumerateArray().ToList();
        var counts = results.GroupBy(r => r.GetProperty("status").GetString()).ToDictionary(g => g.Key!, g => g.Count());
        output.WriteLine("graphql-http audit: " + string.Join(", ", counts.Select(c => $"{c.Key} {c.Value}")));
        foreach (var result in results.Where(r => r.GetProperty("status").GetString() != "ok"))
        {
            output.WriteLine($"{result.GetProperty("status").GetString()} {result.GetProperty("id").GetString()} {result.GetProperty("name").GetString()}: {result.GetProperty("reason").GetString()}");
        }

        Assert.True(results.Count > 40, $"Only {results.Count} audit results");
        Assert.DoesNotContain(results, r => r.GetProperty("status").GetString() == "error");
    }

    [Fact]
    public async Task A_subscription_hears_a_change_made_through_the_MCP_door()
    {
        using var mcp = new McpHttpClient(server.McpEndpoint);
        var client = NodeTools.RunAsync(Node, ["graphql-ws-client.mjs", WsEndpoint, "subscription { toolsListChanged { kind uri } }", "", "first", "30000"],
            TimeSpan.FromSeconds(45));

        // The subscription starts when the client's subscribe message arrives; change the tools until it hears one.
        var watch = Stopwatch.StartNew();
        while (!client.IsCompleted && watch.Elapsed < TimeSpan.FromSeconds(30))
        {
            await mcp.CallStatelessAsync("tools/call", """{"name":"test_trigger_tool_change","arguments":{}}""", "test_trigger_tool_change");
            await Task.WhenAny(client, Task.Delay(250));
        }

        var (exitCode, stdout, stderr) = await client;
        Assert.True(exitCode == 0, $"graphql-ws-client.mjs exited {exitCode}: {stderr}\n{stdout}");
        var first = JsonDocument.Parse(stdout.Trim().Split('\n')[0]).RootElement;
        Assert.False(first.TryGetProperty("error", out _), stdout);
        Assert.Equal("TOOLS_LIST_CHANGED", first.GetProperty("data").GetProperty("toolsListChanged").GetProperty("kind").GetString());
    }

    [Fact]
    public async Task CallToolWithProgress_streams_progress_then_the_result()
    {
        const string query = """
            subscription Countdown($args: JSON) {
              callToolWithProgress(name: "countdown", arguments: $args) { kind progress total message result { text isError } }
            }
            """;
        var (exitCode, stdout, stderr) = await NodeTools.RunAsync(Node,
            ["graphql-ws-client.mjs", WsEndpoint, query, """{"args":{"from":3,"intervalMs":5}}""", "all", "30000"], TimeSpan.FromSeconds(45));

        Assert.True(exitCode == 0, $"graphql-ws-client.mjs exited {exitCode}: {stderr}\n{stdout}");
        var events = stdout.Trim().Split('\n').Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.DoesNotContain(events, e => e.TryGetProperty("error", out _));
        var steps = events.Select(e => e.GetProperty("data").GetProperty("callToolWithProgress")).ToList();
        var progress = steps.Where(s => s.GetProperty("kind").GetString() == "PROGRESS").ToList();
        Assert.Equal([0, 1, 2, 3], progress.Select(p => p.GetProperty("progress").GetDouble()));
        Assert.All(progress, p => Assert.Equal(3, p.GetProperty("total").GetDouble()));
        var last = steps[^1];
        Assert.Equal("RESULT", last.GetProperty("kind").GetString());
        Assert.Equal("Counted down from 3.", last.GetProperty("result").GetProperty("text").GetString());
        Assert.False(last.GetProperty("result").GetProperty("isError").GetBoolean());
    }

    [Fact]
    public async Task A_subscription_error_reaches_the_client_as_GraphQL_errors()
    {
        var (exitCode, stdout, stderr) = await NodeTools.RunAsync(Node,
            ["graphql-ws-client.mjs", WsEndpoint, """subscription { callToolWithProgress(name: "no_such_tool") { kind } }""", "", "all", "30000"],
            TimeSpan.FromSeconds(45));

        Assert.True(exitCode == 0, $"graphql-ws-client.mjs exited {exitCode}: {stderr}\n{stdout}");
        var error = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]).RootElement.GetProperty("error")[0];
        Assert.Equal("NOT_FOUND", error.GetProperty("extensions").GetProperty("code").GetString());
    }
}
