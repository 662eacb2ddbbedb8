using System.Net.Sockets;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ContextHub.Server.Observability;

/// <summary>
/// Ready when the dependency at <c>host:port</c> accepts a TCP connection: the probe for a dependency named in
/// <c>ContextHub:Observability:Health:Dependencies</c> (Redis, Elasticsearch, anything that listens).
/// </summary>
public sealed class TcpDependencyHealthCheck(string host, int port) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(host, port, cancellationToken);
            return HealthCheckResult.Healthy($"{host}:{port} accepts connections");
        }
        catch (SocketException e)
        {
            return HealthCheckResult.Unhealthy($"{host}:{port} refused or unreachable: {e.SocketErrorCode}");
        }
    }
}
