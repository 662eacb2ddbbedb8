using System.Diagnostics;

namespace ContextHub.Server.Tests.Redis;

/// <summary>
/// A real haproxy (Debian package) in front of the replicas: round robin per request, no affinity, health checks every
/// 500 ms, and a failed connection dispatched to another replica. Each response names its replica in <c>X-Replica</c>.
/// </summary>
public sealed class LoadBalancer : IAsyncDisposable
{
    private readonly string _folder;

    public LoadBalancer(string folder)
    {
        _folder = folder;
        Port = FreePort.Next();
    }

    public int Port { get; }

    public Uri McpEndpoint => new($"http://127.0.0.1:{Port}/mcp");

    private string PidFile => Path.Combine(_folder, "haproxy.pid");

    public async Task StartAsync(IReadOnlyList<Replica> replicas)
    {
        var config = Path.Combine(_folder, "haproxy.cfg");
        var servers = string.Join("\n", replicas.Select(r => $"  server {r.Name} 127.0.0.1:{r.Port} check inter 500ms fall 1 rise 1"));
        await File.WriteAllTextAsync(config, $"""
            global
              maxconn 2000
            defaults
              mode http
              timeout connect 1s
              timeout client 120s
              timeout server 120s
              retries 3
              option redispatch 1
            frontend mcp
              bind 127.0.0.1:{Port}
              default_backend replicas
            backend replicas
              balance roundrobin
              option httpchk GET /healthz
              http-response set-header X-Replica %[srv_name]
            {servers}

            """);
        var start = new ProcessStartInfo("haproxy")
        {
            ArgumentList = { "-D", "-p", PidFile, "-f", config },
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("haproxy did not start; install the Debian package haproxy.");
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"haproxy exited {process.ExitCode}: {error}");
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        for (var i = 0; i < 100; i++)
        {
            try
            {
                if ((await http.GetAsync(new Uri($"http://127.0.0.1:{Port}/healthz"))).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }

            await Task.Delay(100);
        }

        throw new InvalidOperationException("haproxy did not pass requests to the replicas within 10 s.");
    }

    public async ValueTask DisposeAsync()
    {
        if (!File.Exists(PidFile))
        {
            return;
        }

        foreach (var line in await File.ReadAllLinesAsync(PidFile))
        {
            if (int.TryParse(line.Trim(), out var pid))
            {
                try
                {
                    using var process = Process.GetProcessById(pid);
                    process.Kill();
                    await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
                }
                catch (ArgumentException)
                {
                }
            }
        }
    }
}
