using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using ContextHub.Server.Tests.Infrastructure;

namespace ContextHub.Server.Tests.Observability;

/// <summary>
/// Spans collected in process with an <see cref="ActivityListener"/>: one request through each door, carrying a W3C trace
/// context (in the HTTP <c>traceparent</c> header, or in MCP <c>_meta</c>), yields one connected trace: the HTTP span,
/// the Message Manager's span and the tool's span, each the child of the one before, all under the caller's span.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class TracingTests(TestServer server) : IDisposable
{
    private readonly ConcurrentBag<Activity> _spans = [];
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private ActivityListener? _listener;

    public static TheoryData<string> Doors => ["mcp-http header", "mcp-http _meta", "mcp-ws _meta", "rest header", "graphql header"];

    [Theory]
    [MemberData(nameof(Doors))]
    public async Task One_request_yields_one_connected_trace(string door)
    {
        Listen();
        var traceId = ActivityTraceId.CreateRandom();
        var callerSpan = ActivitySpanId.CreateRandom();
        var traceParent = $"00-{traceId}-{callerSpan}-01";
        var doors = new DoorTraffic(_http, server.BaseAddress);
        var echo = new JsonObject { ["name"] = "echo", ["arguments"] = new JsonObject { ["message"] = "traced" } };
        switch (door)
        {
            case "mcp-http header":
                await doors.McpHttpAsync("tools/call", echo, headerTraceParent: traceParent, name: "echo");
                break;
            case "mcp-http _meta":
                await doors.McpHttpAsync("tools/call", echo, metaTraceParent: traceParent, name: "echo");
                break;
            case "mcp-ws _meta":
                await doors.McpWebSocketAsync("tools/call", echo, metaTraceParent: traceParent);
                break;
            case "rest header":
                Assert.Equal(200, (await doors.RestAsync(HttpMethod.Post, "/api/v1/tools/echo/call", """{"message":"traced"}""", traceParent)).Status);
                break;
            default:
                await doors.GraphQLAsync("mutation { callTool(name: \"echo\", arguments: {message: \"traced\"}) { content } }", traceParent: traceParent);
                break;
        }

        var trace = await SpansOfAsync(traceId, expected: 2);
        var mcp = Assert.Single(trace, s => s.DisplayName == "tools/call echo");
        var tool = Assert.Single(trace, s => s.DisplayName == "execute_tool echo");
        Assert.Equal(mcp.SpanId, tool.ParentSpanId);
        Assert.Equal("tools/call", mcp.GetTagItem("mcp.method.name"));
        Assert.Equal("echo", mcp.GetTagItem("gen_ai.tool.name"));
        Assert.Equal(ActivityKind.Server, mcp.Kind);

        // Connected: every span's parent is the caller's span or another span of the same trace.
        var ids = trace.Select(s => s.SpanId).ToHashSet();
        Assert.All(trace, s => Assert.True(s.ParentSpanId == callerSpan || ids.Contains(s.ParentSpanId),
            $"{s.DisplayName} has parent {s.ParentSpanId}, outside the trace"));

        if (door.EndsWith("header", StringComparison.Ordinal))
        {
            // The HTTP server span took the context from the header; the MCP span hangs under it.
            var http = Assert.Single(trace, s => s.Source.Name == "Microsoft.AspNetCore");
            Assert.Equal(callerSpan, http.ParentSpanId);
            Assert.Equal(http.SpanId, mcp.ParentSpanId);
        }
        else
        {
            // The context came in _meta: the MCP span is the caller's child, with a tracestate from the client.
            Assert.Equal(callerSpan, mcp.ParentSpanId);
            Assert.Equal("contexthub=test", mcp.TraceStateString);
        }
    }

    [Fact]
    public async Task A_failed_request_marks_its_span_with_the_error_type()
    {
        Listen();
        var traceId = ActivityTraceId.CreateRandom();
        var doors = new DoorTraffic(_http, server.BaseAddress);

        await doors.McpHttpAsync("tools/call", new JsonObject { ["name"] = "no_such_tool", ["arguments"] = new JsonObject() },
            metaTraceParent: $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01", name: "no_such_tool");

        var span = Assert.Single(await SpansOfAsync(traceId, expected: 1), s => s.Source.Name == "ContextHub");
        Assert.Equal("tools/call other", span.DisplayName);
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal("-32602", span.GetTagItem("error.type"));
    }

    [Fact]
    public async Task A_declarative_http_tool_carries_the_trace_to_the_service_it_calls()
    {
        Listen();
        var doors = new DoorTraffic(_http, server.BaseAddress);
        var file = Path.Combine(server.ToolsFolder, "traced_health.yaml");
        await File.WriteAllTextAsync(file, $$$"""
            name: traced_health
            description: Asks the gateway's health endpoint how it is.
            inputSchema:
              type: object
              properties: {}
            http:
              method: GET
              url: "{{{server.BaseAddress}}}healthz"
            response:
              template: "{{ response }}"
            """);
        try
        {
            for (var i = 0; i < 100 && !(await doors.McpHttpAsync("tools/list", [])).GetRawText().Contains("traced_health", StringComparison.Ordinal); i++)
            {
                await Task.Delay(100);
            }

            var traceId = ActivityTraceId.CreateRandom();
            var answer = await doors.McpHttpAsync("tools/call", new JsonObject { ["name"] = "traced_health", ["arguments"] = new JsonObject() },
                metaTraceParent: $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01", name: "traced_health");
            Assert.Contains("ok", answer.GetRawText(), StringComparison.Ordinal);

            var trace = await SpansOfAsync(traceId, expected: 2, extra: s => s.Source.Name == "Microsoft.AspNetCore");
            var tool = Assert.Single(trace, s => s.DisplayName == "execute_tool traced_health");
            var outgoing = Assert.Single(trace, s => s.Source.Name == "System.Net.Http");
            var served = Assert.Single(trace, s => s.Source.Name == "Microsoft.AspNetCore");
            Assert.Equal(ActivityKind.Client, outgoing.Kind);
            Assert.Equal(tool.SpanId, outgoing.ParentSpanId);
            Assert.Equal(outgoing.SpanId, served.ParentSpanId); // the traceparent header went out with the call
        }
        finally
        {
            File.Delete(file);
        }
    }

    private void Listen()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "Microsoft.AspNetCore" or "System.Net.Http" || source.Name.StartsWith("ContextHub", StringComparison.Ordinal),
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _spans.Add,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>The finished spans of one trace, once at least <paramref name="expected"/> of ContextHub's own have ended.</summary>
    private async Task<List<Activity>> SpansOfAsync(ActivityTraceId traceId, int expected, Func<Activity, bool>? extra = null)
    {
        for (var i = 0; i < 100; i++)
        {
            var spans = _spans.Where(s => s.TraceId == traceId).ToList();
            if (spans.Count(s => s.Source.Name == "ContextHub") >= expected && (extra is null || spans.Any(extra)))
            {
                await Task.Delay(100); // the HTTP span ends after the response is written
                return [.. _spans.Where(s => s.TraceId == traceId)];
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"no trace {traceId}; spans seen: {string.Join(", ", _spans.Select(s => s.DisplayName))}");
    }

    public void Dispose()
    {
        _listener?.Dispose();
        _http.Dispose();
    }
}
