using System.Diagnostics;
using System.Text.Json;
using ContextHub.Protocol;
using ContextHub.Storage.Telemetry;

namespace ContextHub.Messaging;

/// <summary>
/// Spans of the Message Manager, named and tagged as the OpenTelemetry semantic conventions for MCP describe
/// (<c>{mcp.method.name} {target}</c>, kind server). The parent is the W3C trace context the client put in
/// <c>params._meta</c> (<c>traceparent</c>, <c>tracestate</c>) when there is one, else the current span (the HTTP
/// request's, whose context came from the <c>traceparent</c> header). Nothing is allocated when no one listens.
/// </summary>
public static class McpTracing
{
    public const string TraceParent = "traceparent";
    public const string TraceState = "tracestate";

    /// <summary>Starts the span of one request; null when no listener samples it.</summary>
    public static Activity? StartRequest(McpRequest request, (string Method, string? Tool) labels)
    {
        if (!ContextHubTelemetry.Source.HasListeners())
        {
            return null;
        }

        var (method, tool) = labels;
        var parent = ParentFromMeta(request, out var fromMeta);
        IEnumerable<ActivityLink>? links = fromMeta && Activity.Current is { } current ? [new ActivityLink(current.Context)] : null;
        var activity = ContextHubTelemetry.Source.StartActivity(tool is null ? method : $"{method} {tool}", ActivityKind.Server, parent,
            links: links);
        if (activity is null)
        {
            return null;
        }

        activity.SetTag("mcp.method.name", method);
        activity.SetTag("contexthub.door", McpMetrics.DoorName(request.Caller.Transport));
        if (McpMetrics.NetworkTransport(request.Caller.Transport) is { } transport)
        {
            activity.SetTag("network.transport", transport);
        }

        if (request.IdText is { Length: > 0 } id)
        {
            activity.SetTag("jsonrpc.request.id", id);
        }

        if (request.Session is { } session)
        {
            activity.SetTag("mcp.session.id", session.Id);
        }

        if (tool is not null)
        {
            activity.SetTag("gen_ai.operation.name", "execute_tool");
            activity.SetTag("gen_ai.tool.name", tool);
        }

        return activity;
    }

    /// <summary>Ends the span: the revision that governed the request, and the error when it failed.</summary>
    public static void StopRequest(Activity activity, McpRequest request, Exception? failure)
    {
        if (request.ProtocolVersion.Length > 0)
        {
            activity.SetTag("mcp.protocol.version", request.ProtocolVersion);
        }

        if (failure is not null)
        {
            var type = McpMetrics.ErrorType(failure);
            activity.SetTag("error.type", type);
            if (failure is McpErrorException mcp)
            {
                activity.SetTag("rpc.response.status_code", type);
                activity.SetStatus(ActivityStatusCode.Error, mcp.Message);
            }
            else if (failure is not ClientInputRequiredException)
            {
                activity.SetStatus(ActivityStatusCode.Error, failure.GetType().Name);
            }
        }

        activity.Dispose();
    }

    /// <summary>Starts the span of a tool's execution (a child of the request's span).</summary>
    public static Activity? StartToolExecution(string toolName)
    {
        if (!ContextHubTelemetry.Source.HasListeners())
        {
            return null;
        }

        var activity = ContextHubTelemetry.Source.StartActivity("execute_tool " + toolName, ActivityKind.Internal);
        activity?.SetTag("gen_ai.operation.name", "execute_tool");
        activity?.SetTag("gen_ai.tool.name", toolName);
        return activity;
    }

    /// <summary>The context in <c>params._meta.traceparent</c> / <c>tracestate</c>; default when absent or malformed.</summary>
    public static ActivityContext ParentFromMeta(McpRequest request, out bool found)
    {
        found = false;
        var traceParent = request.GetMeta(TraceParent);
        if (traceParent.ValueKind != JsonValueKind.String)
        {
            return default;
        }

        var traceState = request.GetMeta(TraceState);
        found = ActivityContext.TryParse(traceParent.GetString(), traceState.ValueKind == JsonValueKind.String ? traceState.GetString() : null,
            isRemote: true, out var context);
        return found ? context : default;
    }
}
