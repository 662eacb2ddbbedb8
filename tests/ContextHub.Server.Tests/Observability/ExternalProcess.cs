using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ContextHub.Server.Tests.Observability;

/// <summary>A server process the test starts (ContextHub, prometheus, redis-server) and stops by its pid, with its output kept.</summary>
internal sealed class ExternalProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ExternalProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// True once the process has exited and everything it wrote has been read into <see cref="Output"/> (the exit can
    /// be seen before the last lines arrive; WaitForExit without a timeout waits for the end of the redirected output).
    /// </summary>
    public bool HasExited
    {
        get
        {
            if (!_process.HasExited)
            {
                return false;
            }

            _process.WaitForExit();
            return true;
        }
    }

    public static ExternalProcess Start(string file, IEnumerable<string> arguments, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? AppContext.BaseDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return new ExternalProcess(Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start"));
    }

    /// <summary>Starts the ContextHub gateway built beside the tests on a free loopback port.</summary>
    public static (ExternalProcess Process, Uri BaseAddress) StartContextHub(string dataFolder, params string[] settings)
    {
        var port = FreePort();
        var process = Start("dotnet",
        [
            Path.Combine(AppContext.BaseDirectory, "contexthub.dll"), "--urls", $"http://127.0.0.1:{port}",
            "--Logging:LogLevel:Default=Warning", "--ContextHub:Samples:Enabled=true",
            $"--ContextHub:Knowledge:DataFolder={dataFolder}", "--ContextHub:Knowledge:Embeddings:Provider=Hashing",
            .. settings,
        ]);
        return (process, new Uri($"http://127.0.0.1:{port}"));
    }

    /// <summary>Waits until <paramref name="url"/> answers with <paramref name="status"/>; fails with the process's output.</summary>
    public async Task WaitForAsync(HttpClient http, Uri url, HttpStatusCode status, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        HttpStatusCode? last = null;
        while (DateTime.UtcNow < deadline)
        {
            if (HasExited)
            {
                throw new InvalidOperationException($"The process exited ({_process.ExitCode}) before {url} answered:\n{Output}");
            }

            try
            {
                using var response = await http.GetAsync(url);
                last = response.StatusCode;
                if (response.StatusCode == status)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"{url} did not answer {(int)status} within {timeout} (last: {last}). Output:\n{Output}");
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ContextHub.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Cannot find the repository root (ContextHub.slnx) above " + AppContext.BaseDirectory);
    }

    /// <summary>Runs a command to its end and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string file, IEnumerable<string> arguments, TimeSpan timeout, string? workingDirectory = null)
    {
        await using var process = Start(file, arguments, workingDirectory);
        using var cancel = new CancellationTokenSource(timeout);
        await process._process.WaitForExitAsync(cancel.Token);
        process._process.WaitForExit();
        return (process._process.ExitCode, process.Output);
    }

    private int _disposed;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
