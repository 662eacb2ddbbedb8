using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ContextHub.Server.Tests.Redis;

/// <summary>A real <c>redis-server</c> (Debian package) on a free loopback port, without persistence, stopped by its pid.</summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly string _folder;

    public RedisServer(string folder, int? port = null)
    {
        _folder = folder;
        Port = port ?? FreePort.Next();
    }

    public int Port { get; }

    public string Configuration => $"127.0.0.1:{Port}";

    private string PidFile => Path.Combine(_folder, $"redis-{Port}.pid");

    public async Task StartAsync()
    {
        Directory.CreateDirectory(_folder);
        var start = new ProcessStartInfo("redis-server")
        {
            ArgumentList = { "--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "yes",
                "--pidfile", PidFile, "--dir", _folder, "--logfile", Path.Combine(_folder, $"redis-{Port}.log") },
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using (var process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start; install the Debian package redis-server."))
        {
            await process.WaitForExitAsync();
        }

        for (var i = 0; i < 100; i++)
        {
            if (await PingAsync())
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new InvalidOperationException($"redis-server on port {Port} did not answer PING; see {_folder}.");
    }

    /// <summary>Stops the server by its pid (SIGTERM) and waits until the port no longer answers.</summary>
    public async Task StopAsync()
    {
        if (!File.Exists(PidFile))
        {
            return;
        }

        var pid = int.Parse((await File.ReadAllTextAsync(PidFile)).Trim());
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (ArgumentException)
        {
            // Already gone.
        }

        File.Delete(PidFile);
    }

    public async Task<bool> PingAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port).WaitAsync(TimeSpan.FromSeconds(1));
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray());
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(1));
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is SocketException or IOException or TimeoutException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}

internal static class FreePort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
