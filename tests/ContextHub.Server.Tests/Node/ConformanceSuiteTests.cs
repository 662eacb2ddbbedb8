using System.Text.Json;
using ContextHub.Server.Tests.Infrastructure;

namespace ContextHub.Server.Tests.Node;

/// <summary>
/// The official MCP conformance suite against the gateway, for each revision it scores. Every scored scenario must
/// pass; a failure lists the failing checks.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class ConformanceSuiteTests(TestServer server)
{
    [Theory]
    [InlineData("2025-11-25")]
    [InlineData("2026-07-28")]
    public async Task Every_scored_server_scenario_passes(string revision)
    {
        var results = Path.Combine(server.DataFolder, "conformance-" + revision);
        var arguments = new List<string> { "server", "--url", server.McpEndpoint.ToString(), "--requirements", revision, "-o", results };
        var expected = Path.Combine(NodeTools.JsFolder, $"conformance-expected-failures-{revision}.yaml");
        if (File.Exists(expected))
        {
            arguments.AddRange(["--expected-failures", expected]);
        }

        var (exitCode, output, error) = await NodeTools.RunAsync(NodeTools.Bin("conformance"), arguments, TimeSpan.FromMinutes(10));

        Assert.True(exitCode == 0, $"conformance {revision} exited {exitCode}.\nFailed checks:\n{FailedChecks(results)}\n--- output tail ---\n{Tail(output)}\n{Tail(error)}");
        Assert.Contains("Total:", output, StringComparison.Ordinal);

        // Scenarios the revision runs but does not score (pending, extensions) must pass too.
        var failed = FailedChecks(results);
        Assert.True(failed.Length == 0, $"conformance {revision}: checks failed in scenarios run but not scored:\n{failed}");
    }

    private static string FailedChecks(string results)
    {
        if (!Directory.Exists(results))
        {
            return "(no results written)";
        }

        var lines = new List<string>();
        foreach (var file in Directory.EnumerateFiles(results, "checks.json", SearchOption.AllDirectories))
        {
            var scenario = Path.GetFileName(Path.GetDirectoryName(file)!);
            foreach (var check in JsonDocument.Parse(File.ReadAllText(file)).RootElement.EnumerateArray())
            {
                var status = check.GetProperty("status").GetString();
                if (status is "FAILURE")
                {
                    var message = check.TryGetProperty("errorMessage", out var m) ? m.GetString() : "";
                    lines.Add($"{scenario} {check.GetProperty("id").GetString()} {status}: {message}");
                }
            }
        }

        return string.Join('\n', lines);
    }

    private static string Tail(string text) => text.Length <= 4000 ? text : text[^4000..];
}
