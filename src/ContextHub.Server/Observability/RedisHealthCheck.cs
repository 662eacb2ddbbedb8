using ContextHub.Redis;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ContextHub.Server.Observability;

/// <summary>
/// Ready when Redis answers a PING through the server's own multiplexer: the connection requests use, not a separate
/// TCP probe (a port that accepts connections is not a Redis that answers, and the multiplexer may be the one that
/// has not reconnected).
/// </summary>
public sealed class RedisHealthCheck(RedisConnection redis) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var latency = await redis.Database.PingAsync().WaitAsync(cancellationToken);
            return HealthCheckResult.Healthy($"PING answered in {latency.TotalMilliseconds:0.#} ms");
        }
        catch (Exception e) when (RedisConnection.IsUnavailable(e))
        {
            return HealthCheckResult.Unhealthy($"Redis did not answer PING: {e.GetType().Name}: {e.Message}");
        }
    }
}
