using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ContextHub.Server.Tests.Observability;

/// <summary>Structured logs of a real ContextHub process carry the trace id of the request they were written for.</summary>
public sealed class LogTraceIdTests : IAsyncLifetime
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("contexthub-logs-");
    private ExternalProcess? _hub;

    [Fact]
    public async Task A_request_log_line_carries_the_callers_trace_id_and_not_the_arguments()
    {
        (_hub, var address) = ExternalProcess.StartContextHub(Path.Combine(_folder.FullName, "knowledge"),
            "--Logging:Console:FormatterName=json", "--Logging:Console:FormatterOptions:IncludeScopes=true",
            "--Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics=Information", "--Logging:LogLevel:ContextHub=Information");
        await _hub.WaitForAsync(_http, new Uri(address, "/health/ready"), HttpStatusCode.OK, TimeSpan.FromSeconds(60));
        var traceId = ActivityTraceId.CreateRandom().ToString();

        await new DoorTraffic(_http, address).McpHttpAsync("tools/call",
            new JsonObject { ["name"] = "echo", ["arguments"] = new JsonObject { ["message"] = "my password is swordfish" } },
            headerTraceParent: $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01", name: "echo");

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        List<JsonElement> lines = [];
        while (DateTime.UtcNow < deadline)
        {
            lines = [.. _hub.Output.Split('\n').Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement.Clone())];
            if (lines.Any(l => l.GetRawText().Contains(traceId, StringComparison.Ordinal)))
            {
                break;
            }

            await Task.Delay(200);
        }

        var traced = lines.Where(l => l.TryGetProperty("Scopes", out var scopes)
            && scopes.EnumerateArray().Any(s => s.ValueKind == JsonValueKind.Object && s.TryGetProperty("TraceId", out var id) && id.GetString() == traceId)).ToList();
        Assert.True(traced.Count > 0, "no log line with the trace id:\n" + _hub.Output);
        Assert.DoesNotContain("swordfish", _hub.Output, StringComparison.Ordinal);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_hub is not null)
        {
            await _hub.DisposeAsync();
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
