using System.Diagnostics;

namespace ContextHub.Server.Tests.Redis;

/// <summary>One ContextHub server process (the built <c>contexthub.dll</c>) on its own loopback port, over a shared Redis.</summary>
public sealed class Replica : IAsyncDisposable
{
    private readonly string _logFile;
    private Process? _process;

    public Replica(string name, string folder)
    {
        Name = name;
        Port = FreePort.Next();
        _logFile = Path.Combine(folder, $"replica-{name}.log");
    }

    public string Name { get; }

    public int Port { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}/");

    public Uri McpEndpoint => new(BaseAddress, "/mcp");

    public bool IsRunning => _process is { HasExited: false };

    public string Log => File.Exists(_logFile) ? File.ReadAllText(_logFile) : "";

    public async Task StartAsync(IEnumerable<string> settings)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "contexthub.dll"), "--urls", BaseAddress.ToString().TrimEnd('/') },
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var setting in settings)
        {
            start.ArgumentList.Add(setting);
        }

        start.Environment["DOTNET_gcServer"] = "0"; // two servers and the tests share a small machine
        _process = Process.Start(start)!;
        var log = new StreamWriter(_logFile, append: true) { AutoFlush = true };
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        for (var i = 0; i < 300; i++)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"Replica {Name} exited with {_process.ExitCode}:\n{Log}");
            }

            try
            {
                if ((await http.GetAsync(new Uri(BaseAddress, "/healthz"))).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }

            await Task.Delay(100);
        }

        throw new InvalidOperationException($"Replica {Name} did not answer /healthz within 30 s:\n{Log}");
    }

    /// <summary>SIGKILL: the process dies at once, with no chance to clean up.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            process.WaitForExit(10_000);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { } process)
        {
            if (!process.HasExited)
            {
                process.Kill();
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }

            process.Dispose();
        }
    }
}
