using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ContextHub.Server.Tests.Observability;

/// <summary>
/// A real prometheus scrapes a real ContextHub process (with the alert rules of deploy/prometheus loaded) while traffic
/// goes through every network door; then every PromQL expression of the Grafana dashboard and of the alert rules is
/// evaluated through Prometheus' HTTP API: each is valid, and each dashboard panel returns data.
/// </summary>
public sealed class PrometheusEndToEndTests : IAsyncLifetime
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("contexthub-prom-");
    private ExternalProcess? _contextHub;
    private ExternalProcess? _prometheus;
    private Uri _hub = null!;
    private Uri _prom = null!;

    public async Task InitializeAsync()
    {
        (_contextHub, _hub) = ExternalProcess.StartContextHub(Path.Combine(_folder.FullName, "knowledge"));
        await _contextHub.WaitForAsync(_http, new Uri(_hub, "/health/ready"), HttpStatusCode.OK, TimeSpan.FromSeconds(60));

        var promPort = ExternalProcess.FreePort();
        var rules = Path.Combine(ExternalProcess.RepositoryRoot(), "deploy", "prometheus", "alerts.yml");
        var config = Path.Combine(_folder.FullName, "prometheus.yml");
        File.WriteAllText(config, $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            rule_files:
              - {rules}
            scrape_configs:
              - job_name: contexthub
                metrics_path: /metrics
                static_configs:
                  - targets: ["{_hub.Authority}"]
            """);
        _prometheus = ExternalProcess.Start("prometheus",
        [
            $"--config.file={config}", $"--web.listen-address=127.0.0.1:{promPort}",
            $"--storage.tsdb.path={Path.Combine(_folder.FullName, "tsdb")}", "--log.level=warn",
        ]);
        _prom = new Uri($"http://127.0.0.1:{promPort}");
        await _prometheus.WaitForAsync(_http, new Uri(_prom, "/-/ready"), HttpStatusCode.OK, TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task Every_dashboard_panel_returns_data_and_every_alert_expression_is_valid()
    {
        // Two rounds with a scrape between them, so every counter and histogram has grown between two samples
        // (a series first seen already grown has no rate yet); each round makes 9 tool calls.
        await SendTrafficAsync();
        await WaitForAsync("sum(contexthub_tool_calls_total)", minimum: 9);
        await SendTrafficAsync();
        await WaitForAsync("sum(contexthub_tool_calls_total)", minimum: 18);
        await Task.Delay(TimeSpan.FromSeconds(2));

        var problems = new List<string>();
        var dashboard = JsonNode.Parse(File.ReadAllText(Path.Combine(ExternalProcess.RepositoryRoot(), "deploy", "grafana", "dashboards", "contexthub.json")))!;
        var panels = dashboard["panels"]!.AsArray().Where(p => (string?)p!["type"] != "row").ToList();
        Assert.True(panels.Count >= 20, $"the dashboard has {panels.Count} panels");
        foreach (var panel in panels)
        {
            var title = (string)panel!["title"]!;
            var withData = 0;
            foreach (var target in panel["targets"]!.AsArray())
            {
                var expression = ForPrometheus((string)target!["expr"]!);
                var (ok, results, error) = await QueryAsync(expression);
                if (!ok)
                {
                    problems.Add($"panel '{title}': invalid PromQL {expression}: {error}");
                }
                else if (results > 0)
                {
                    withData++;
                }
            }

            if (withData == 0)
            {
                problems.Add($"panel '{title}' returned no data");
            }
        }

        foreach (var (name, expression) in PrometheusRulesTests.Rules())
        {
            var (ok, _, error) = await QueryAsync(expression);
            if (!ok)
            {
                problems.Add($"alert {name}: invalid PromQL: {error}");
            }
        }

        // Prometheus itself evaluated every rule without error.
        var rules = JsonDocument.Parse(await _http.GetStringAsync(new Uri(_prom, "/api/v1/rules"))).RootElement;
        var evaluated = rules.GetProperty("data").GetProperty("groups").EnumerateArray().SelectMany(g => g.GetProperty("rules").EnumerateArray()).ToList();
        Assert.Equal(PrometheusRulesTests.AlertNames().Count, evaluated.Count);
        problems.AddRange(evaluated.Where(r => r.GetProperty("health").GetString() != "ok")
            .Select(r => $"rule {r.GetProperty("name").GetString()}: health {r.GetProperty("health").GetString()} {r.GetProperty("lastError")}"));

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public async Task The_scrape_has_the_server_the_runtime_and_kestrel_and_no_request_data_in_labels()
    {
        await SendTrafficAsync();
        var metrics = await _http.GetStringAsync(new Uri(_hub, "/metrics"));

        foreach (var name in new[]
        {
            "mcp_server_operation_duration_seconds_bucket", "contexthub_mcp_requests_total", "contexthub_tool_calls_total",
            "contexthub_mcp_sessions_active", "dotnet_process_memory_working_set_bytes", "kestrel_active_connections",
            "contexthub_http_server_request_duration_seconds_bucket", "contexthub_http_server_active_requests", "contexthub_dependency_up",
        })
        {
            Assert.Contains(name, metrics, StringComparison.Ordinal);
        }

        // HTTP requests by door and status (ContextHub's own histogram); ASP.NET Core's per-request meters are off by default.
        foreach (var labels in new[]
        {
            "contexthub_door=\"http\",http_response_status_code=\"200\"", "contexthub_door=\"rest\",http_response_status_code=\"400\"",
            "contexthub_door=\"graphql\",http_response_status_code=\"200\"", "contexthub_door=\"websocket\",",
        })
        {
            Assert.Matches("contexthub_http_server_request_duration_seconds_count\\{[^}]*" + System.Text.RegularExpressions.Regex.Escape(labels), metrics);
        }

        Assert.DoesNotContain("# TYPE http_server_request_duration_seconds ", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("http_route=", metrics, StringComparison.Ordinal);

        // An unknown tool and an unknown method become "other"; the arguments and URIs never become labels.
        Assert.Contains("gen_ai_tool_name=\"other\"", metrics, StringComparison.Ordinal);
        Assert.Contains("mcp_method_name=\"other\"", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("no_such_tool_", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("made/up", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("mcp-cheatsheet", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("secret words", metrics, StringComparison.Ordinal);
    }

    private async Task SendTrafficAsync()
    {
        var doors = new DoorTraffic(_http, _hub);
        var echo = await doors.McpHttpAsync("tools/call", new JsonObject { ["name"] = "echo", ["arguments"] = new JsonObject { ["message"] = "secret words" } }, name: "echo");
        Assert.True(echo.TryGetProperty("result", out _), echo.ToString());
        var unknownName = "no_such_tool_" + Guid.NewGuid().ToString("N")[..6];
        var unknown = await doors.McpHttpAsync("tools/call", new JsonObject { ["name"] = unknownName, ["arguments"] = new JsonObject() }, name: unknownName);
        Assert.Equal(-32602, unknown.GetProperty("error").GetProperty("code").GetInt32());
        var madeUp = await doors.McpHttpAsync("made/up", new JsonObject());
        Assert.Equal(-32601, madeUp.GetProperty("error").GetProperty("code").GetInt32());
        await doors.McpHttpAsync("tools/call", new JsonObject
        {
            ["name"] = "ingest",
            ["arguments"] = new JsonObject { ["source"] = "notes/" + Guid.NewGuid().ToString("N") + ".md", ["text"] = "# Otters\nSea otters hold hands while they sleep. " + Guid.NewGuid() },
        }, name: "ingest");
        var search = await doors.McpHttpAsync("tools/call", new JsonObject { ["name"] = "search", ["arguments"] = new JsonObject { ["query"] = "otters sleep" } }, name: "search");
        Assert.True(search.TryGetProperty("result", out _), search.ToString());
        await doors.McpSessionAsync();

        var ws = await doors.McpWebSocketAsync("tools/call", new JsonObject { ["name"] = "echo", ["arguments"] = new JsonObject { ["message"] = "ws" } });
        Assert.True(ws.TryGetProperty("result", out _), ws.ToString());
        await doors.McpWebSocketAsync("resources/read", new JsonObject { ["uri"] = "res://samples/mcp-cheatsheet.md" });

        var (status, _) = await doors.RestAsync(HttpMethod.Post, "/api/v1/tools/echo/call", """{"message":"rest"}""");
        Assert.Equal(200, status);
        (status, _) = await doors.RestAsync(HttpMethod.Get, "/api/v1/resources/read?uri=" + Uri.EscapeDataString("res://samples/mcp-cheatsheet.md"));
        Assert.Equal(200, status);
        (status, _) = await doors.RestAsync(HttpMethod.Post, "/api/v1/tools/echo/call", """{"message":42}""");
        Assert.Equal(400, status);

        var graphql = await doors.GraphQLAsync("mutation { callTool(name: \"echo\", arguments: {message: \"gql\"}) { content } }");
        Assert.True(graphql.TryGetProperty("data", out _), graphql.ToString());
    }

    private async Task WaitForAsync(string expression, double minimum)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var body = JsonDocument.Parse(await _http.GetStringAsync(new Uri(_prom, "/api/v1/query?query=" + Uri.EscapeDataString(expression)))).RootElement;
            var result = body.GetProperty("data").GetProperty("result");
            if (result.GetArrayLength() > 0 && double.Parse(result[0].GetProperty("value")[1].GetString()!, System.Globalization.CultureInfo.InvariantCulture) >= minimum)
            {
                return;
            }

            await Task.Delay(500);
        }

        throw new TimeoutException($"Prometheus never saw {expression} >= {minimum}. Prometheus output:\n{_prometheus!.Output}");
    }

    private async Task<(bool Ok, int Results, string? Error)> QueryAsync(string expression)
    {
        using var response = await _http.PostAsync(new Uri(_prom, "/api/v1/query"), new FormUrlEncodedContent([new("query", expression)]));
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        if (body.GetProperty("status").GetString() != "success")
        {
            return (false, 0, body.TryGetProperty("error", out var error) ? error.GetString() : body.ToString());
        }

        // Data means a number: a percentile over no requests is NaN, which a panel draws as nothing.
        var result = body.GetProperty("data").GetProperty("result");
        var numbers = result.ValueKind == JsonValueKind.Array
            ? result.EnumerateArray().Count(r => IsNumber(r.GetProperty("value")[1].GetString()))
            : IsNumber(result[1].GetString()) ? 1 : 0;
        return (true, numbers, null);
    }

    private static bool IsNumber(string? value) => value is not null && value != "NaN"
        && double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _);

    /// <summary>What Grafana would send: its variables replaced (all jobs and replicas, a rate window of a minute).</summary>
    private static string ForPrometheus(string expression) => expression
        .Replace("$__rate_interval", "1m", StringComparison.Ordinal)
        .Replace("$job", "contexthub", StringComparison.Ordinal)
        .Replace("$instance", ".*", StringComparison.Ordinal);

    public async Task DisposeAsync()
    {
        if (_prometheus is not null)
        {
            await _prometheus.DisposeAsync();
        }

        if (_contextHub is not null)
        {
            await _contextHub.DisposeAsync();
        }

        _http.Dispose();
        try
        {
            _folder.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
