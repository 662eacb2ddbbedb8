using System.Net;
using Microsoft.Extensions.Options;

namespace ContextHub.Server.Observability;

/// <summary>Metrics, traces and health, bound from <c>ContextHub:Observability</c>.</summary>
public sealed class ObservabilityOptions
{
    public const string Section = "ContextHub:Observability";

    public MetricsOptions Metrics { get; set; } = new();

    public OtlpOptions Otlp { get; set; } = new();

    public HealthOptions Health { get; set; } = new();

    public sealed class MetricsOptions
    {
        /// <summary>Export the meters at <see cref="Path"/> for Prometheus; false removes the endpoint and the exporter.</summary>
        public bool Enabled { get; set; } = true;

        public string Path { get; set; } = "/metrics";

        /// <summary>
        /// Also export ASP.NET Core's per-request meters (<c>http_server_request_duration_seconds</c> by route,
        /// <c>http_server_active_requests</c>, routing); off by default, as ContextHub's own
        /// <c>contexthub_http_server_request_duration_seconds</c> by door answers the same questions for less.
        /// </summary>
        public bool AspNetCoreMeters { get; set; }

        /// <summary>
        /// Series (label sets) kept per instrument whose labels are open: tool names, routes, exception types, remote
        /// hosts (see <see cref="MetricCardinality"/>); the others keep at most <see cref="MetricCardinality.FixedLabelsLimit"/>.
        /// </summary>
        public int CardinalityLimit { get; set; } = 2000;
    }

    public sealed class OtlpOptions
    {
        /// <summary>Where traces go over OTLP (e.g. http://collector:4317); none sends no traces.</summary>
        public string? Endpoint { get; set; }

        /// <summary><c>Grpc</c> (port 4317) or <c>HttpProtobuf</c> (port 4318, path /v1/traces).</summary>
        public string Protocol { get; set; } = "Grpc";
    }

    public sealed class HealthOptions
    {
        /// <summary>Dependencies that readiness needs, by name: <c>host:port</c> that must accept a TCP connection.</summary>
        public Dictionary<string, string> Dependencies { get; set; } = new(StringComparer.Ordinal);

        /// <summary>How often dependencies are probed in the background (for <c>contexthub_dependency_up</c>).</summary>
        public TimeSpan ProbeInterval { get; set; } = TimeSpan.FromSeconds(10);

        /// <summary>How long one probe may take before the dependency counts as down.</summary>
        public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(2);
    }
}

/// <summary>Checks the observability settings at start; each message names the setting and the fix.</summary>
public sealed class ObservabilityOptionsValidator : IValidateOptions<ObservabilityOptions>
{
    public ValidateOptionsResult Validate(string? name, ObservabilityOptions options)
    {
        var errors = new List<string>();
        const string s = ObservabilityOptions.Section;
        if (string.IsNullOrEmpty(options.Metrics.Path) || options.Metrics.Path[0] != '/')
        {
            errors.Add($"{s}:Metrics:Path must be a path starting with '/' (e.g. /metrics); it is '{options.Metrics.Path}'.");
        }

        if (options.Metrics.CardinalityLimit is < 1 or > 1_000_000)
        {
            errors.Add($"{s}:Metrics:CardinalityLimit must be 1 to 1000000 (series kept per instrument, e.g. 2000); it is {options.Metrics.CardinalityLimit}.");
        }

        if (options.Otlp.Endpoint is { Length: > 0 } endpoint
            && (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            errors.Add($"{s}:Otlp:Endpoint must be an absolute http or https URL (e.g. http://localhost:4317); it is '{endpoint}'.");
        }

        if (options.Otlp.Protocol is not ("Grpc" or "HttpProtobuf"))
        {
            errors.Add($"{s}:Otlp:Protocol must be Grpc or HttpProtobuf; it is '{options.Otlp.Protocol}'.");
        }

        foreach (var (dependency, address) in options.Health.Dependencies)
        {
            if (!TryParseAddress(address, out _, out _))
            {
                errors.Add($"{s}:Health:Dependencies:{dependency} must be host:port (e.g. redis:6379); it is '{address}'.");
            }
        }

        if (options.Health.ProbeInterval <= TimeSpan.Zero)
        {
            errors.Add($"{s}:Health:ProbeInterval must be positive (e.g. 00:00:10); it is {options.Health.ProbeInterval}.");
        }

        if (options.Health.ProbeTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{s}:Health:ProbeTimeout must be positive (e.g. 00:00:02); it is {options.Health.ProbeTimeout}.");
        }

        return errors.Count > 0 ? ValidateOptionsResult.Fail(errors) : ValidateOptionsResult.Success;
    }

    /// <summary>Reads <c>host:port</c> (an IPv6 address in brackets).</summary>
    public static bool TryParseAddress(string? address, out string host, out int port)
    {
        host = "";
        port = 0;
        var colon = address?.LastIndexOf(':') ?? -1;
        if (address is null || colon <= 0 || colon == address.Length - 1
            || !int.TryParse(address.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out port)
            || port is < 1 or > 65535)
        {
            return false;
        }

        host = address[..colon].Trim('[', ']');
        return host.Length > 0 && (IPAddress.TryParse(host, out _) || Uri.CheckHostName(host) != UriHostNameType.Unknown);
    }
}
