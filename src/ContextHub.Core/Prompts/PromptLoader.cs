using ContextHub.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ContextHub.Prompts;

/// <summary>
/// Loads every <c>*.md</c> prompt under the configured folder into the Prompt Manager at start and again whenever a
/// file changes. A file whose front matter is broken is logged and skipped; the others still load. Templates are parsed
/// on first use (so a server that never renders a prompt never loads the Liquid parser): one that does not parse is
/// logged then, and its <c>prompts/get</c> fails with a message naming the error.
/// </summary>
public sealed partial class PromptLoader : IHostedService, IDisposable
{
    private readonly PromptManager _prompts;
    private readonly PromptOptions _options;
    private readonly ILogger<PromptLoader> _logger;
    private FolderWatch? _watch;
    private readonly TimeProvider _time;

    public PromptLoader(PromptManager prompts, IOptions<PromptOptions> options, ILogger<PromptLoader> logger, TimeProvider? time = null)
    {
        _prompts = prompts;
        _options = options.Value;
        _logger = logger;
        _time = time ?? TimeProvider.System;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(_options.Folder))
        {
            return Task.CompletedTask;
        }

        Load();
        if (Directory.Exists(_options.Folder) && _options.Watch)
        {
            _watch = new FolderWatch(_options.Folder, "*.md", recursive: true, Load, _time);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _watch?.Dispose();
        _watch = null;
        return Task.CompletedTask;
    }

    /// <summary>Reads the folder again and replaces the file prompts in one change.</summary>
    public void Load()
    {
        var loaded = new List<McpPrompt>();
        if (Directory.Exists(_options.Folder))
        {
            foreach (var file in Directory.EnumerateFiles(_options.Folder, "*.md", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                try
                {
                    loaded.Add(FilePrompt.Parse(file, File.ReadAllText(file), reason => LogBadTemplate(file, reason)));
                }
                catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
                {
                    LogBadPrompt(file, e.Message);
                }
            }
        }

        _prompts.ReplaceAll(static p => p is FilePrompt, loaded);
        LogLoaded(loaded.Count, _options.Folder!);
    }

    public void Dispose() => _watch?.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Skipped prompt file {Path}: {Reason}")]
    private partial void LogBadPrompt(string path, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Prompt file {Path} cannot be rendered until it is fixed: {Reason}")]
    private partial void LogBadTemplate(string path, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded {Count} prompts from {Folder} (their templates are parsed when first used)")]
    private partial void LogLoaded(int count, string folder);
}

/// <summary>Settings of the Prompt Loader, bound from <c>ContextHub:Prompts</c>.</summary>
public sealed class PromptOptions
{
    public const string Section = "ContextHub:Prompts";

    /// <summary>Folder of Markdown prompt files; empty loads none.</summary>
    public string? Folder { get; set; }

    public bool Watch { get; set; } = true;
}
