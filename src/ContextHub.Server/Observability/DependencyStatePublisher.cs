using ContextHub.Storage.Telemetry;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ContextHub.Server.Observability;

/// <summary>Turns each readiness check's latest result into <c>contexthub_dependency_up{dependency="name"}</c>.</summary>
public sealed class DependencyStatePublisher : IHealthCheckPublisher
{
    public Task PublishAsync(HealthReport report, CancellationToken cancellationToken)
    {
        Record(report);
        return Task.CompletedTask;
    }

    public static void Record(HealthReport report)
    {
        foreach (var (name, entry) in report.Entries)
        {
            if (entry.Tags.Contains(HealthEndpoints.ReadyTag))
            {
                ContextHubTelemetry.SetDependencyUp(name, entry.Status != HealthStatus.Unhealthy);
            }
        }
    }
}
