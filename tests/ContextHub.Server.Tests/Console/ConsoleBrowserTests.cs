using System.Text.Json;
using ContextHub.Server.Gateway.Security;
using ContextHub.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace ContextHub.Server.Tests.WebConsole;

/// <summary>
/// The web console in headless Chromium (tests/js/console-browser.mjs: the system's chromium driven by playwright-core):
/// every page with no console error, no failed request and no serious or critical axe-core violation; echo through the
/// generated form; countdown's progress, then cancel, then the cancelled call in the record; upload, search and delete;
/// a resource read; a prompt rendered; sign in and out. Screenshots land in artifacts/console-screenshots.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class ConsoleBrowserTests(TestServer server, ITestOutputHelper output)
{
    private static readonly string[] Pages = ["overview", "tools", "tasks", "resources", "prompts", "knowledge", "activity", "keys", "signin"];

    [Fact]
    public async Task A_person_can_use_every_page_in_a_real_browser()
    {
        Assert.True(File.Exists("/usr/bin/chromium") || Environment.GetEnvironmentVariable("CHROMIUM") is not null,
            "Debian's chromium is not installed; scripts/test.sh installs it.");
        var artifacts = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(NodeTools.JsFolder))!, "artifacts", "console-screenshots");
        var watched = Path.Combine(server.ResourcesFolder, "console-watched.txt");
        // A real key of this server's, with every scope: the console signs in with it and administers keys.
        var key = server.Services.GetRequiredService<ApiKeyStore>().Create("console-" + Guid.NewGuid().ToString("N")[..8], ["*"], null).Key;
        await File.WriteAllTextAsync(watched, "first version");
        var (exitCode, stdout, stderr) = await NodeTools.RunAsync(Path.Combine(NodeTools.NodeBin, "node"),
            ["console-browser.mjs", server.BaseAddress.ToString().TrimEnd('/'), artifacts, watched, key], TimeSpan.FromMinutes(4));
        Assert.True(exitCode == 0, $"console-browser.mjs exited {exitCode}: {stderr}\n{stdout}");
        var seen = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]).RootElement;
        output.WriteLine(seen.GetProperty("firstPage").ToString());
        output.WriteLine(seen.GetProperty("firstPageWarm").ToString());

        Assert.False(seen.TryGetProperty("error", out var error), $"The browser run stopped: {error}");
        var problems = seen.GetProperty("problems").EnumerateArray().Select(p => p.GetString()).ToList();
        Assert.True(problems.Count == 0, "Problems seen in the browser:\n" + string.Join('\n', problems));

        var steps = seen.GetProperty("steps");
        Assert.Equal("anonymous (loopback)", steps.GetProperty("identity").GetString());
        var traffic = steps.GetProperty("trafficPanel").GetString()!;
        Assert.Contains("Traffic by door", traffic, StringComparison.Ordinal);
        Assert.DoesNotContain("metrics not enabled", traffic, StringComparison.Ordinal); // this server serves /metrics
        Assert.Equal("1.0.0", steps.GetProperty("serverVersion").GetString());
        // The revisions shown are the server's own (server/discover), not a list kept in the page.
        Assert.Equal([string.Join(", ", ContextHub.Protocol.McpProtocol.StatelessVersions), string.Join(", ", ContextHub.Protocol.McpProtocol.SessionVersions) + " (initialize)"],
            steps.GetProperty("revisions").EnumerateArray().Select(v => v.GetString()));
        Assert.True(steps.GetProperty("echo").GetBoolean());
        Assert.Contains("message: is required.", steps.GetProperty("echoValidation").GetString(), StringComparison.Ordinal);
        Assert.Matches("^[2-9][0-9]* of 50", steps.GetProperty("progress").GetString());
        Assert.True(steps.GetProperty("cancelled").GetBoolean());
        Assert.Equal(["working", "working"], steps.GetProperty("taskWorking").EnumerateArray().Select(v => v.GetString()));
        Assert.Contains("Counted down from 10.", steps.GetProperty("taskCompleted").GetString(), StringComparison.Ordinal);
        Assert.Equal("working", steps.GetProperty("taskListed").GetString()); // a task another client of the same identity started
        Assert.Equal("cancelled", steps.GetProperty("taskCancelled").GetString());
        Assert.True(steps.GetProperty("hashEnum").GetBoolean());
        Assert.True(steps.GetProperty("searchToolWithTags").GetBoolean(), "the search tool called through its form did not find the uploaded document by its tag");
        Assert.True(steps.GetProperty("imageResult").GetBoolean(), "the image a tool returned was not shown");
        Assert.Contains("isError: true", steps.GetProperty("errorResult").GetString(), StringComparison.Ordinal);
        Assert.True(steps.GetProperty("resourceImage").GetBoolean(), "the PNG resource was not shown");
        Assert.Equal(["python"], steps.GetProperty("completion").EnumerateArray().Select(v => v.GetString()));
        Assert.True(steps.GetProperty("recordedCancelled").GetBoolean());
        Assert.Equal(2, steps.GetProperty("uploads").GetArrayLength());
        Assert.StartsWith("zephyrquartz", steps.GetProperty("searchFound").GetString(), StringComparison.Ordinal);
        Assert.True(steps.GetProperty("resourceRead").GetBoolean());
        Assert.Contains("updated", steps.GetProperty("resourceUpdated").GetString(), StringComparison.Ordinal);
        Assert.True(steps.GetProperty("promptRendered").GetBoolean());
        Assert.Equal("Signed in with API key …" + key[^4..], steps.GetProperty("signedIn").GetString());
        Assert.Equal(200, steps.GetProperty("newKeyWorks").GetInt32());
        Assert.Equal(401, steps.GetProperty("revokedKeyStatus").GetInt32());
        var cookie = steps.GetProperty("cookie");
        Assert.True(cookie.GetProperty("httpOnly").GetBoolean());
        Assert.Equal("Strict", cookie.GetProperty("sameSite").GetString());
        Assert.True(cookie.GetProperty("sealed").GetBoolean());
        Assert.True(steps.GetProperty("deletedWhileSignedIn").GetBoolean());
        Assert.True(steps.GetProperty("signedOut").GetBoolean());
        Assert.Equal("Skip to content", steps.GetProperty("skipLinkFocused").GetString());
        Assert.Equal("main", steps.GetProperty("mainFocused").GetString());
        Assert.Equal(["light:rgb(246, 247, 249)", "dark:rgb(17, 20, 24)", "auto:rgb(246, 247, 249)"],
            steps.GetProperty("themes").EnumerateArray().Select(t => t.GetString()));

        // The in-browser Prometheus reading: 20 requests in 2 s on /mcp at 2 ms; 2 errors in 2 s on REST.
        var rates = steps.GetProperty("metricsParse");
        Assert.Equal(10, rates.GetProperty("mcp").GetProperty("requests").GetDouble(), 3);
        Assert.Equal(2, rates.GetProperty("mcp").GetProperty("latencyMs").GetDouble(), 3);
        Assert.Equal(1, rates.GetProperty("rest").GetProperty("errors").GetDouble(), 3);
        var own = steps.GetProperty("metricsParseOwn");
        Assert.Equal(7, own.GetProperty("http").GetProperty("count").GetDouble());
        Assert.Equal(2, own.GetProperty("rest").GetProperty("errors").GetDouble());
        Assert.False(own.TryGetProperty("observability", out _));

        // Charts drawn from the Prometheus text the browser was given: one line per door in each of the three charts.
        var charts = steps.GetProperty("charts").EnumerateArray().Select(c => c.GetString()!).ToList();
        Assert.Equal(3, charts.Count);
        Assert.StartsWith("Requests: mcp ", charts[0], StringComparison.Ordinal);
        Assert.Contains("rest", charts[1], StringComparison.Ordinal);
        Assert.StartsWith("Mean latency: mcp 3.0 ms", charts[2], StringComparison.Ordinal);

        // The optional endpoints (metrics, readiness) are served here, so none answered 404.
        var optional = seen.GetProperty("optional404").EnumerateArray().Select(p => p.GetString()).ToHashSet();
        Assert.DoesNotContain("/metrics", optional); // this server serves every one of them
        Assert.DoesNotContain("/health/ready", optional);

        // axe-core ran on every page at both widths; the first page stays under 300 KB.
        var axe = seen.GetProperty("axe");
        foreach (var page in Pages)
        {
            Assert.True(axe.TryGetProperty(page, out _), $"axe-core did not run on {page}");
            Assert.True(axe.TryGetProperty("phone-" + page, out _), $"axe-core did not run on {page} at phone width");
            Assert.True(File.Exists(Path.Combine(artifacts, "screenshots", $"desktop-{page}.png")));
            Assert.True(File.Exists(Path.Combine(artifacts, "screenshots", $"phone-{page}.png")));
        }

        Assert.InRange(seen.GetProperty("firstPage").GetProperty("bytes").GetInt64(), 1, 300 * 1024);
    }
}
