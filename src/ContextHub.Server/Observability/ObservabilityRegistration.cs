using ContextHub.Knowledge.Telemetry;
using ContextHub.Server.KnowledgeBase;
using ContextHub.Storage.Telemetry;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace ContextHub.Server.Observability;

/// <summary>
/// Metrics (OpenTelemetry → Prometheus text at <c>/metrics</c>), traces (OTLP when an endpoint is set) and health
/// (<c>/health/live</c>, <c>/health/ready</c>). The code records through <c>System.Diagnostics.Metrics</c> and
/// <c>ActivitySource</c> only; this is the one place that exports them.
/// </summary>
public static class ObservabilityRegistration
{
    /// <summary>
    /// The meters exported: every ContextHub meter (HTTP requests by door among them), Kestrel's connections, SignalR-style
    /// connections, exceptions, HttpClient's and the runtime's. None of these records anything per request of a kept-alive
    /// connection except ContextHub's own.
    /// </summary>
    public static readonly string[] Meters =
    [
        "ContextHub*",
        "Microsoft.AspNetCore.Server.Kestrel",
        "Microsoft.AspNetCore.Http.Connections",
        "Microsoft.AspNetCore.Diagnostics",
        "Microsoft.AspNetCore.RateLimiting",
        "System.Net.Http",
    ];

    /// <summary>
    /// ASP.NET Core's per-request meters (<c>http.server.request.duration</c> with method, scheme, route and status;
    /// active requests; routing matches), exported only with <c>Metrics:AspNetCoreMeters=true</c>: three to four
    /// measurements per request, the larger part of what metrics cost on a small request.
    /// </summary>
    public static readonly string[] AspNetCoreRequestMeters = ["Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Routing"];

    /// <summary>The activity sources of ContextHub's own spans.</summary>
    public static readonly string[] Sources = [ContextHubTelemetry.Name, KnowledgeTelemetry.Name];

    public static IServiceCollection AddContextHubObservability(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ObservabilityOptions>().Bind(configuration.GetSection(ObservabilityOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ObservabilityOptions>, ObservabilityOptionsValidator>();
        var options = configuration.GetSection(ObservabilityOptions.Section).Get<ObservabilityOptions>() ?? new ObservabilityOptions();

        AddHealth(services, configuration, options);

        var metricsOn = options.Metrics.Enabled;
        var tracesOn = !string.IsNullOrEmpty(options.Otlp.Endpoint);
        if (!metricsOn && !tracesOn)
        {
            return services;
        }

        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(
                serviceName: configuration["ContextHub:Server:Name"] is { Length: > 0 } name ? name.ToLowerInvariant() : "contexthub",
                serviceInstanceId: Environment.MachineName + ":" + Environment.ProcessId));
        if (metricsOn)
        {
            telemetry.WithMetrics(metrics => metrics
                .AddMeter(options.Metrics.AspNetCoreMeters ? [.. Meters, .. AspNetCoreRequestMeters] : Meters)
                .AddRuntimeInstrumentation()
                .AddCardinalityLimits(options.Metrics.CardinalityLimit)
                .AddPrometheusExporter());
        }

        if (tracesOn)
        {
            telemetry.WithTracing(tracing => tracing
                .AddSource(Sources)
                .AddAspNetCoreInstrumentation(o => o.Filter = context => !IsOwnEndpoint(context.Request.Path, options))
                .AddHttpClientInstrumentation()
                .AddOtlpExporter(otlp =>
                {
                    otlp.Protocol = options.Otlp.Protocol == "HttpProtobuf" ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
                    otlp.Endpoint = TracesEndpoint(options.Otlp);
                }));
        }

        return services;
    }

    /// <summary>
    /// Times every HTTP request by door (<see cref="HttpRequestMetrics"/>) when metrics are on; first in the pipeline, so
    /// that what the other middleware spends is counted. <paramref name="mcpPattern"/> is the Streamable HTTP door's path.
    /// </summary>
    public static WebApplication UseContextHubRequestMetrics(this WebApplication app, string mcpPattern)
    {
        var options = app.Services.GetRequiredService<IOptions<ObservabilityOptions>>().Value;
        if (options.Metrics.Enabled)
        {
            var metrics = new HttpRequestMetrics(app.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), mcpPattern,
                options.Metrics.Path);
            app.Use(metrics.Wrap);
        }

        return app;
    }

    /// <summary>Maps <c>/metrics</c> (when metrics are on) and the health endpoints.</summary>
    public static WebApplication MapContextHubObservability(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<ObservabilityOptions>>().Value;
        if (options.Metrics.Enabled)
        {
            app.MapPrometheusScrapingEndpoint(options.Metrics.Path).WithName("Metrics").ExcludeFromDescription();
        }

        app.MapHealthEndpoints();
        return app;
    }

    private static void AddHealth(IServiceCollection services, IConfiguration configuration, ObservabilityOptions options)
    {
        var health = services.AddHealthChecks();
        services.Configure<HealthCheckPublisherOptions>(o =>
        {
            o.Delay = TimeSpan.FromSeconds(1);
            o.Period = options.Health.ProbeInterval;
            o.Timeout = options.Health.ProbeTimeout + TimeSpan.FromSeconds(1);
            o.Predicate = static check => check.Tags.Contains(HealthEndpoints.ReadyTag);
        });
        services.AddSingleton<IHealthCheckPublisher, DependencyStatePublisher>();

        if (configuration.GetValue($"{KnowledgeServerOptions.Section}:Enabled", true))
        {
            var name = configuration.GetValue($"{KnowledgeServerOptions.Section}:Backend", "Embedded") == "Elasticsearch" ? "elasticsearch" : "knowledge_store";
            health.Add(new HealthCheckRegistration(name, sp => new KnowledgeStoreHealthCheck(sp.GetRequiredService<KnowledgeHost>()),
                HealthStatus.Unhealthy, [HealthEndpoints.ReadyTag], options.Health.ProbeTimeout));
        }

        // With the Redis backend on, readiness PINGs Redis through the multiplexer (in place of a TCP probe named redis).
        var redisBackend = !string.IsNullOrEmpty(configuration[$"{ContextHub.Redis.RedisOptions.Section}:Configuration"]);
        if (redisBackend)
        {
            health.Add(new HealthCheckRegistration("redis", sp => new RedisHealthCheck(sp.GetRequiredService<ContextHub.Redis.RedisConnection>()),
                HealthStatus.Unhealthy, [HealthEndpoints.ReadyTag], options.Health.ProbeTimeout));
        }

        foreach (var (name, address) in options.Health.Dependencies)
        {
            if (redisBackend && name == "redis")
            {
                continue;
            }

            if (ObservabilityOptionsValidator.TryParseAddress(address, out var host, out var port))
            {
                health.Add(new HealthCheckRegistration(name, _ => new TcpDependencyHealthCheck(host, port), HealthStatus.Unhealthy,
                    [HealthEndpoints.ReadyTag], options.Health.ProbeTimeout));
            }
        }
    }

    /// <summary>Over HTTP the exporter posts to the URL as given: a bare collector address gets the traces path.</summary>
    private static Uri TracesEndpoint(ObservabilityOptions.OtlpOptions otlp)
    {
        var endpoint = new Uri(otlp.Endpoint!);
        return otlp.Protocol == "HttpProtobuf" && endpoint.AbsolutePath == "/" ? new Uri(endpoint, "/v1/traces") : endpoint;
    }

    private static bool IsOwnEndpoint(PathString path, ObservabilityOptions options) =>
        path.StartsWithSegments(options.Metrics.Path) || path.StartsWithSegments("/health") || path.StartsWithSegments("/healthz");
}
