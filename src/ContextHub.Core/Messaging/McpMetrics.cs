using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ContextHub.Messaging;

/// <summary>The Message Manager's meters: requests by method, door and outcome, and their duration.</summary>
public sealed class McpMetrics : IDisposable
{
    public const string MeterName = "ContextHub.Mcp";

    private readonly Meter _meter;
    private readonly Counter<long> _requests;
    private readonly Histogram<double> _duration;
    private readonly UpDownCounter<long> _sessions;

    public McpMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _requests = _meter.CreateCounter<long>("contexthub.mcp.requests", "{request}", "MCP requests handled, by method, transport and outcome.");
        _duration = _meter.CreateHistogram<double>("contexthub.mcp.request.duration", "s", "Time to handle an MCP request.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
        _sessions = _meter.CreateUpDownCounter<long>("contexthub.mcp.sessions", "{session}", "Open MCP sessions.");
    }

    public void RequestHandled(string method, McpTransportKind transport, string outcome, long startTimestamp)
    {
        var tags = new TagList
        {
            { "mcp.method", method },
            { "transport", TransportName(transport) },
            { "outcome", outcome },
        };
        _requests.Add(1, tags);
        _duration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, tags);
    }

    public void SessionOpened() => _sessions.Add(1);

    public void SessionClosed() => _sessions.Add(-1);

    private static string TransportName(McpTransportKind transport) => transport switch
    {
        McpTransportKind.StreamableHttp => "http",
        McpTransportKind.Stdio => "stdio",
        McpTransportKind.WebSocket => "websocket",
        McpTransportKind.Rest => "rest",
        McpTransportKind.GraphQL => "graphql",
        _ => "inprocess",
    };

    public void Dispose() => _meter.Dispose();
}
