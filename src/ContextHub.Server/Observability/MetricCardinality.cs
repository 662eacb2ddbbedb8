using System.Diagnostics.Metrics;
using OpenTelemetry.Metrics;

namespace ContextHub.Server.Observability;

/// <summary>
/// How many label sets (series) each exported instrument may hold. OpenTelemetry sizes every instrument's storage for
/// its cardinality limit when the instrument is first seen (about 72 bytes a series, 2,000 by default: ~144 KB each, on
/// the large object heap, ~50 instruments). Most instruments carry labels from a small fixed set (a GC generation, a
/// CPU mode, a door and a status class), so they get <see cref="FixedLabelsLimit"/>; the ones whose labels come from
/// outside (tool names, HTTP routes, exception types, remote hosts, configured dependencies, and method × door ×
/// outcome) keep <c>ContextHub:Observability:Metrics:CardinalityLimit</c>. Past a limit, measurements are still counted,
/// in the series labelled <c>otel_metric_overflow="true"</c>.
/// </summary>
public static class MetricCardinality
{
    /// <summary>The limit of an instrument whose labels take a few fixed values.</summary>
    public const int FixedLabelsLimit = 200;

    /// <summary>Instruments whose label sets are open (or large): they get the configured limit.</summary>
    private static readonly HashSet<string> OpenLabelInstruments = new(StringComparer.Ordinal)
    {
        "contexthub.mcp.requests", // method × door × outcome
        "contexthub.tool.calls", // tool name × outcome
        "mcp.server.operation.duration", // method × door × protocol version × transport × tool name × error type
        "contexthub.http.server.request.duration", // door × method × status code
        "contexthub.dependency.up", // configured dependencies
        "dotnet.exceptions", // exception type
        "aspnetcore.diagnostics.exceptions", // exception type × handler
        "http.server.request.duration", // route × method × status code (with Metrics:AspNetCoreMeters)
        "http.server.active_requests",
        "aspnetcore.routing.match_attempts", // route
    };

    /// <summary>The meters whose instruments are labelled by remote host (every instrument gets the configured limit).</summary>
    private static readonly HashSet<string> OpenLabelMeters = new(StringComparer.Ordinal) { "System.Net.Http", "System.Net.NameResolution" };

    /// <summary>The limit for <paramref name="instrument"/>: <paramref name="openLimit"/> where its labels are open, else <see cref="FixedLabelsLimit"/>.</summary>
    public static int LimitOf(Instrument instrument, int openLimit)
    {
        ArgumentNullException.ThrowIfNull(instrument);
        return OpenLabelMeters.Contains(instrument.Meter.Name) || OpenLabelInstruments.Contains(instrument.Name)
            ? openLimit
            : Math.Min(openLimit, FixedLabelsLimit);
    }

    /// <summary>Adds the view that sets every instrument's limit (the only view: a second matching view would export the instrument twice).</summary>
    public static MeterProviderBuilder AddCardinalityLimits(this MeterProviderBuilder metrics, int openLimit) =>
        metrics.AddView(instrument => new MetricStreamConfiguration { CardinalityLimit = LimitOf(instrument, openLimit) });
}
