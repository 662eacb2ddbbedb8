using System.Diagnostics;

namespace ContextHub.Server.Tests.Knowledge;

/// <summary><c>contexthub ingest PATH…</c> as a user runs it: a report per file, the rest of a batch goes on after a bad file.</summary>
public sealed class IngestCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("contexthub-ingest-").FullName;

    [Fact]
    public async Task Ingests_a_folder_reports_each_file_and_exits_1_when_one_failed()
    {
        var docs = Directory.CreateDirectory(Path.Combine(_folder, "docs")).FullName;
        await File.WriteAllTextAsync(Path.Combine(docs, "guide.md"), "# Guide\n\nInstall the package, then run the server.");
        await File.WriteAllTextAsync(Path.Combine(docs, "data.json"), """{"note":"trains leave at noon"}""");
        await File.WriteAllBytesAsync(Path.Combine(docs, "broken.pdf"), [1, 2, 3]);

        var (first, firstOutput) = await RunAsync(docs);
        var (second, secondOutput) = await RunAsync(Path.Combine(docs, "guide.md"));

        Assert.Equal(1, first);
        Assert.Contains("Added", firstOutput, StringComparison.Ordinal);
        Assert.Contains("guide.md (1 chunks)", firstOutput, StringComparison.Ordinal);
        Assert.Contains("broken.pdf", firstOutput, StringComparison.Ordinal);
        Assert.Contains("2 added, 0 updated, 0 unchanged, 0 duplicate, 1 failed", firstOutput, StringComparison.Ordinal);
        Assert.Equal(0, second);
        Assert.Contains("0 added, 0 updated, 1 unchanged", secondOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_paths_it_prints_usage_and_exits_2()
    {
        var (exit, output) = await RunAsync();

        Assert.Equal(2, exit);
        Assert.Contains("usage", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_on_a_store_of_another_embedding_model_stops_with_exit_code_1_naming_both()
    {
        var docs = Directory.CreateDirectory(Path.Combine(_folder, "docs")).FullName;
        await File.WriteAllTextAsync(Path.Combine(docs, "note.txt"), "Built with 256 hashing dimensions.");
        Assert.Equal(0, (await RunAsync(docs)).ExitCode);

        // The store opens after the server has started; finding the other model there stops the server.
        var (exit, output) = await RunProcessAsync("--urls", "http://127.0.0.1:0",
            $"--ContextHub:Knowledge:DataFolder={Path.Combine(_folder, "data")}",
            "--ContextHub:Knowledge:Embeddings:Provider=Hashing", "--ContextHub:Knowledge:Embeddings:Dimensions=64");

        Assert.Equal(1, exit);
        Assert.Contains("could not open", output, StringComparison.Ordinal);
        Assert.Contains("256 dimensions", output, StringComparison.Ordinal);
        Assert.Contains("64 dimensions", output, StringComparison.Ordinal);

        // The ingest command says the same in one line and exits 1.
        var (ingestExit, ingestOutput) = await RunProcessAsync("ingest", docs, $"--ContextHub:Knowledge:DataFolder={Path.Combine(_folder, "data")}",
            "--ContextHub:Knowledge:Embeddings:Provider=Hashing", "--ContextHub:Knowledge:Embeddings:Dimensions=64");
        Assert.Equal(1, ingestExit);
        Assert.Contains("The knowledge store could not open", ingestOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", ingestOutput, StringComparison.Ordinal);
    }

    private Task<(int ExitCode, string Output)> RunAsync(params string[] paths) =>
        RunProcessAsync(["ingest", .. paths, $"--ContextHub:Knowledge:DataFolder={Path.Combine(_folder, "data")}", "--ContextHub:Knowledge:Embeddings:Provider=Hashing"]);

    private static async Task<(int ExitCode, string Output)> RunProcessAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "contexthub.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["COLUMNS"] = "300";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        return (process.ExitCode, await output + await error);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
