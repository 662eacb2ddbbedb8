using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using ContextHub.Protocol;
using ContextHub.Storage.Telemetry;
using ContextHub.Tools;
using ModelContextProtocol.Protocol;

namespace ContextHub.Messaging;

/// <summary>
/// The Message Manager's meters. <c>mcp.server.operation.duration</c> and <c>mcp.server.session.duration</c> follow the
/// OpenTelemetry semantic conventions for MCP; <c>contexthub.mcp.requests</c> counts requests by door, method and
/// outcome and <c>contexthub.tool.calls</c> tool calls by tool and outcome. Every label value comes from a fixed set:
/// methods the server does not know are <c>other</c>, tools not in the registry are <c>other</c>. The two counters are
/// kept here as plain counts by label set and observed at scrape time: a request costs an increment, not a pass through
/// the exporter's aggregation (one histogram measurement per request is all that goes through it).
/// </summary>
public sealed class McpMetrics : IDisposable
{
    public const string MeterName = "ContextHub.Mcp";
    public const string Other = "other";

    private static readonly FrozenSet<string> KnownMethods = new[]
    {
        RequestMethods.Initialize, RequestMethods.ServerDiscover, RequestMethods.Ping, RequestMethods.ToolsList, RequestMethods.ToolsCall,
        RequestMethods.ResourcesList, RequestMethods.ResourcesTemplatesList, RequestMethods.ResourcesRead, RequestMethods.ResourcesSubscribe,
        RequestMethods.ResourcesUnsubscribe, RequestMethods.PromptsList, RequestMethods.PromptsGet, RequestMethods.CompletionComplete,
        RequestMethods.LoggingSetLevel, RequestMethods.SubscriptionsListen, "tasks/get", "tasks/update", "tasks/list", "tasks/result", "tasks/cancel",
    }.ToFrozenSet(StringComparer.Ordinal);

    private static readonly double[] DurationBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    private readonly Meter _meter;
    private readonly ToolRegistry _tools;
    private readonly ObservableCounter<long> _requests;
    private readonly ConcurrentDictionary<(string Method, string Door, string Outcome), StrongBox<long>> _requestCounts = new();
    private readonly ConcurrentDictionary<(string Tool, string Outcome), StrongBox<long>> _toolCallCounts = new();
    private readonly Histogram<double> _operationDuration;
    private readonly Histogram<double> _sessionDuration;

    public McpMetrics(IMeterFactory meterFactory, ToolRegistry tools)
    {
        _tools = tools;
        _meter = meterFactory.Create(MeterName);
        _requests = _meter.CreateObservableCounter("contexthub.mcp.requests", ObserveRequests, "{request}", "MCP requests handled, by door, method and outcome.");
        _meter.CreateObservableCounter("contexthub.tool.calls", ObserveToolCalls, "{call}",
            "Tool calls, by tool and outcome (ok, tool_error, error, cancelled, input_required).");
        _operationDuration = _meter.CreateHistogram("mcp.server.operation.duration", "s",
            "Time the server took to handle an MCP request (OpenTelemetry MCP semantic conventions).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        _sessionDuration = _meter.CreateHistogram("mcp.server.session.duration", "s", "How long MCP sessions lasted, from initialize to their end.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 10, 60, 300, 900, 1800, 3600, 7200, 14400, 43200, 86400] });
    }

    /// <summary>The request's method and tool as label values (bounded), worked out once per request for metrics and the span.</summary>
    public (string Method, string? Tool) LabelsOf(McpRequest request)
    {
        var method = MethodName(request.Method);
        return (method, method == RequestMethods.ToolsCall ? ToolName(request) : null);
    }

    public void RequestHandled(McpRequest request, (string Method, string? Tool) labels, in McpResult result, Exception? failure, long startTimestamp)
    {
        var (method, tool) = labels;
        var door = DoorName(request.Caller.Transport);
        var counting = _requests.Enabled; // false when no exporter listens (metrics off): nothing is counted
        if (counting)
        {
            Increment(_requestCounts, (method, door, Outcome(failure)));
        }

        if (_operationDuration.Enabled)
        {
            var tags = new TagList
            {
                { "mcp.method.name", method },
                { "contexthub.door", door },
                { "mcp.protocol.version", request.ProtocolVersion.Length > 0 ? request.ProtocolVersion : "none" },
            };
            if (NetworkTransport(request.Caller.Transport) is { } transport)
            {
                tags.Add("network.transport", transport);
            }

            if (tool is not null)
            {
                tags.Add("gen_ai.tool.name", tool);
            }

            if (failure is not null)
            {
                tags.Add("error.type", ErrorType(failure));
            }

            _operationDuration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, tags);
        }

        if (tool is not null && counting)
        {
            var callOutcome = failure is null && result.Value is CallToolResult { IsError: true } ? "tool_error" : ToolOutcome(failure);
            Increment(_toolCallCounts, (tool, callOutcome));
        }
    }

    private static void Increment<TKey>(ConcurrentDictionary<TKey, StrongBox<long>> counts, TKey key)
        where TKey : notnull =>
        Interlocked.Increment(ref counts.GetOrAdd(key, static _ => new StrongBox<long>()).Value);

    private IEnumerable<Measurement<long>> ObserveRequests()
    {
        foreach (var ((method, door, outcome), count) in _requestCounts)
        {
            yield return new Measurement<long>(Volatile.Read(ref count.Value),
                new("mcp.method.name", method), new("contexthub.door", door), new("outcome", outcome));
        }
    }

    private IEnumerable<Measurement<long>> ObserveToolCalls()
    {
        foreach (var ((tool, outcome), count) in _toolCallCounts)
        {
            yield return new Measurement<long>(Volatile.Read(ref count.Value), new("gen_ai.tool.name", tool), new("outcome", outcome));
        }
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "Part of the instance API beside SessionClosed; callers hold the metrics, not the telemetry.")]
    public void SessionOpened() => ContextHubTelemetry.SessionOpened();

    public void SessionClosed(TimeSpan lasted)
    {
        ContextHubTelemetry.SessionClosed();
        _sessionDuration.Record(lasted.TotalSeconds);
    }

    /// <summary>The method as a label: a method the server knows, else <c>other</c>.</summary>
    public static string MethodName(string method) => KnownMethods.TryGetValue(method, out var known) ? known : Other;

    /// <summary>The tool of a <c>tools/call</c> as a label: a registered tool's name, else <c>other</c>.</summary>
    public string ToolName(McpRequest request) =>
        request.Params.ValueKind == JsonValueKind.Object
        && request.Params.TryGetProperty("name"u8, out var name)
        && name.ValueKind == JsonValueKind.String
        && name.GetString() is { } text
        && _tools.TryGet(text, out var registered)
            ? registered.Tool.Definition.Name
            : Other;

    public static string DoorName(McpTransportKind transport) => transport switch
    {
        McpTransportKind.StreamableHttp => "http",
        McpTransportKind.Stdio => "stdio",
        McpTransportKind.WebSocket => "websocket",
        McpTransportKind.Rest => "rest",
        McpTransportKind.GraphQL => "graphql",
        _ => "inprocess",
    };

    /// <summary>OpenTelemetry's <c>network.transport</c>: a pipe for stdio, TCP for every network door.</summary>
    public static string? NetworkTransport(McpTransportKind transport) => transport switch
    {
        McpTransportKind.Stdio => "pipe",
        McpTransportKind.InProcess => null,
        _ => "tcp",
    };

    public static string Outcome(Exception? failure) => failure switch
    {
        null => "ok",
        ClientInputRequiredException => "input_required",
        McpErrorException e => e.Code.ToString(System.Globalization.CultureInfo.InvariantCulture),
        OperationCanceledException => "cancelled",
        _ => "error",
    };

    /// <summary>OpenTelemetry's <c>error.type</c>: the JSON-RPC error code, or the kind of failure.</summary>
    public static string ErrorType(Exception failure) => failure switch
    {
        ClientInputRequiredException => "input_required",
        McpErrorException e => e.Code.ToString(System.Globalization.CultureInfo.InvariantCulture),
        OperationCanceledException => "cancelled",
        JsonException => "-32602",
        _ => "_OTHER",
    };

    private static string ToolOutcome(Exception? failure) => failure switch
    {
        null => "ok",
        ClientInputRequiredException => "input_required",
        OperationCanceledException => "cancelled",
        _ => "error",
    };

    public void Dispose() => _meter.Dispose();
}
