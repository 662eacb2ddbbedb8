using ContextHub.Knowledge.Telemetry;
using ContextHub.Server.KnowledgeBase;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ContextHub.Server.Observability;

/// <summary>
/// Ready when the knowledge store has opened and answers a query (a round trip to Elasticsearch, a read of the embedded
/// store); the figures it reads become the documents and chunks gauges.
/// </summary>
public sealed class KnowledgeStoreHealthCheck(KnowledgeHost knowledge) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        Task<ContextHub.Knowledge.KnowledgeService> opening;
        try
        {
            opening = knowledge.GetServiceAsync(cancellationToken);
        }
        catch (InvalidOperationException e)
        {
            return HealthCheckResult.Unhealthy(e.Message);
        }

        if (!opening.IsCompleted)
        {
            return HealthCheckResult.Unhealthy("The knowledge store is still opening.");
        }

        try
        {
            var service = await opening;
            var stats = await service.Store.Metadata.GetStatsAsync(cancellationToken);
            KnowledgeTelemetry.ReportHeld(stats.Documents, stats.Chunks);
            return HealthCheckResult.Healthy($"{stats.Documents} documents, {stats.Chunks} chunks");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            return HealthCheckResult.Unhealthy("The knowledge store did not answer: " + e.Message);
        }
    }
}
