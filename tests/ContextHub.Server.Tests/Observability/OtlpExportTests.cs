using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ContextHub.Server.Tests.Observability;

/// <summary>
/// With <c>ContextHub:Observability:Otlp:Endpoint</c> set, a real ContextHub process sends its spans over OTLP/HTTP
/// (protobuf) to the collector address; the test plays the collector and finds the caller's trace id in what arrives.
/// </summary>
public sealed class OtlpExportTests : IAsyncLifetime
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("contexthub-otlp-");
    private readonly List<(string Path, string? ContentType, byte[] Body)> _received = [];
    private WebApplication? _collector;
    private ExternalProcess? _hub;

    [Fact]
    public async Task Spans_of_a_request_reach_the_collector_with_the_callers_trace_id()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _collector = builder.Build();
        _collector.MapPost("/v1/traces", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            lock (_received)
            {
                _received.Add((context.Request.Path, context.Request.ContentType, body.ToArray()));
            }

            return Results.Ok();
        });
        await _collector.StartAsync();
        var collector = _collector.Urls.First();

        (_hub, var address) = ExternalProcess.StartContextHub(Path.Combine(_folder.FullName, "knowledge"),
            $"--ContextHub:Observability:Otlp:Endpoint={collector}", "--ContextHub:Observability:Otlp:Protocol=HttpProtobuf");
        await _hub.WaitForAsync(_http, new Uri(address, "/health/ready"), HttpStatusCode.OK, TimeSpan.FromSeconds(60));
        var traceId = ActivityTraceId.CreateRandom();

        var answer = await new DoorTraffic(_http, address).McpHttpAsync("tools/call",
            new JsonObject { ["name"] = "echo", ["arguments"] = new JsonObject { ["message"] = "exported" } },
            headerTraceParent: $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01", name: "echo");
        Assert.True(answer.TryGetProperty("result", out _), answer.ToString());

        // OTLP carries trace ids as 16 raw bytes; the batch goes out within the exporter's delay (5 s by default).
        var id = Convert.FromHexString(traceId.ToHexString());
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            lock (_received)
            {
                if (_received.Any(r => r.Body.AsSpan().IndexOf(id) >= 0))
                {
                    break;
                }
            }

            await Task.Delay(250);
        }

        lock (_received)
        {
            // The spans of one trace may come in more than one batch.
            var batches = _received.Where(r => r.Body.AsSpan().IndexOf(id) >= 0).ToList();
            Assert.NotEmpty(batches);
            Assert.All(batches, b => Assert.Equal("/v1/traces", b.Path));
            Assert.All(batches, b => Assert.Equal("application/x-protobuf", b.ContentType));
            var all = batches.SelectMany(b => b.Body).ToArray();
            Assert.True(all.AsSpan().IndexOf("tools/call echo"u8) >= 0, "no 'tools/call echo' span arrived");
            Assert.True(all.AsSpan().IndexOf("execute_tool echo"u8) >= 0, "no 'execute_tool echo' span arrived");
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_hub is not null)
        {
            await _hub.DisposeAsync();
        }

        if (_collector is not null)
        {
            await _collector.DisposeAsync();
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
