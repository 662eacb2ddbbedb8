using ContextHub.Knowledge.Ingestion;
using Microsoft.Extensions.Options;
using Spectre.Console;

namespace ContextHub.Server.KnowledgeBase;

/// <summary>
/// <c>contexthub ingest PATH… [--tag TAG]…</c>: ingests files and folders (recursively) into the knowledge store with a
/// progress bar, prints one line per file, and exits 1 when any file failed (the others are still ingested).
/// The embedded store is one process's: run it while the server is stopped, or use the <c>ingest</c> tool on a running one.
/// </summary>
public static class IngestCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var paths = new List<string>();
        var tags = new List<string>();
        var settings = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--tag" && i + 1 < args.Length)
            {
                tags.Add(args[++i]);
            }
            else if (args[i].StartsWith("--", StringComparison.Ordinal))
            {
                settings.Add(args[i]);
            }
            else
            {
                paths.Add(args[i]);
            }
        }

        if (paths.Count == 0)
        {
            AnsiConsole.MarkupLine("[red]usage:[/] contexthub ingest PATH... [[--tag TAG]]... [[--ContextHub:Knowledge:DataFolder=DIR]]");
            return 2;
        }

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [.. settings], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders(); // the per-file lines say what went wrong; logs would break the progress bar
        if (!builder.Services.AddKnowledgeStore(builder.Configuration))
        {
            AnsiConsole.MarkupLine("[red]The knowledge store is disabled[/] (ContextHub:Knowledge:Enabled is false).");
            return 2;
        }

        builder.Services.PostConfigure<KnowledgeServerOptions>(o => o.DataFolder = Path.GetFullPath(o.DataFolder));
        using var host = builder.Build();
        await using var knowledge = host.Services.GetRequiredService<KnowledgeHost>();
        var missing = paths.Where(p => !File.Exists(p) && !Directory.Exists(p)).ToList();
        foreach (var path in missing)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]not found:[/] {path}");
        }

        var files = paths.Except(missing).SelectMany(Expand).Distinct(StringComparer.Ordinal).ToList();
        try
        {
            await AnsiConsole.Status().StartAsync("Opening the knowledge store and loading the embedding model…", async _ =>
            {
                await knowledge.StartAsync(CancellationToken.None);
                await knowledge.GetServiceAsync(CancellationToken.None);
            });
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]The knowledge store could not open:[/] {e.Message}");
            return 1;
        }

        AnsiConsole.MarkupLineInterpolated($"Knowledge store: [blue]{host.Services.GetRequiredService<IOptions<KnowledgeServerOptions>>().Value.DataFolder}[/]");

        IngestionBatchResult batch = new([]);
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask($"Ingesting {files.Count} files", maxValue: Math.Max(files.Count, 1));
                var progress = new Progress<IngestionProgress>(p => task.Value = p.Completed);
                batch = await knowledge.Service.IngestAsync([.. files.Select(f => IngestionRequest.FromFile(f, tags))], progress);
                task.Value = task.MaxValue;
            });

        foreach (var result in batch.Results)
        {
            var color = result.Status == IngestionStatus.Failed ? "red" : result.Status is IngestionStatus.Added or IngestionStatus.Updated ? "green" : "grey";
            AnsiConsole.MarkupLineInterpolated($"[{color}]{result.Status,-9}[/] {result.Source}{(result.Error is null ? $" ({result.ChunkCount} chunks)" : $": {result.Error}")}");
        }

        AnsiConsole.MarkupLineInterpolated(
            $"{batch.Count(IngestionStatus.Added)} added, {batch.Count(IngestionStatus.Updated)} updated, {batch.Count(IngestionStatus.Unchanged)} unchanged, {batch.Count(IngestionStatus.Duplicate)} duplicate, {batch.Count(IngestionStatus.Failed) + missing.Count} failed");
        return batch.Count(IngestionStatus.Failed) + missing.Count == 0 ? 0 : 1;
    }

    private static IEnumerable<string> Expand(string path) =>
        Directory.Exists(path)
            ? Directory.EnumerateFiles(path, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.Hidden | FileAttributes.System })
                .Order(StringComparer.Ordinal)
            : [Path.GetFullPath(path)];
}
