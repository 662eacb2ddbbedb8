using ContextHub.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ContextHub.Tools;

/// <summary>
/// Loads declarative tools (<c>*.yaml</c>, <c>*.yml</c>, <c>*.json</c>) from the configured folder into the Tool
/// Registry, and keeps them in step with the folder while the server runs.
/// </summary>
public sealed partial class ToolFileLoader : IHostedService, IDisposable
{
    private static readonly string[] Extensions = [".yaml", ".yml", ".json"];
    private readonly ToolRegistry _registry;
    private readonly IHttpClientFactory _clients;
    private readonly ToolOptions _options;
    private readonly ILogger<ToolFileLoader> _logger;
    private readonly Lock _gate = new();
    private HashSet<string> _owned = new(StringComparer.Ordinal);
    private FolderWatch? _watch;
    private readonly TimeProvider _time;

    public ToolFileLoader(ToolRegistry registry, IHttpClientFactory clients, IOptions<ToolOptions> options, ILogger<ToolFileLoader> logger,
        TimeProvider? time = null)
    {
        _registry = registry;
        _clients = clients;
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
            _watch = new FolderWatch(_options.Folder, "*", recursive: false, Load, _time);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _watch?.Dispose();
        _watch = null;
        return Task.CompletedTask;
    }

    public void Load()
    {
        lock (_gate)
        {
            var loaded = new HashSet<string>(StringComparer.Ordinal);
            if (Directory.Exists(_options.Folder))
            {
                foreach (var file in Directory.EnumerateFiles(_options.Folder).Where(f => Extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase)).Order(StringComparer.Ordinal))
                {
                    try
                    {
                        var tool = new HttpTool(HttpToolSpec.Parse(File.ReadAllText(file), file), _clients, file);
                        _registry.Add(tool);
                        loaded.Add(tool.Definition.Name);
                    }
                    catch (Exception e) when (e is FormatException or IOException or ArgumentException or System.Text.Json.JsonException)
                    {
                        LogBadTool(file, e.Message);
                    }
                }
            }

            foreach (var gone in _owned.Except(loaded))
            {
                _registry.Remove(gone);
            }

            _owned = loaded;
            LogLoaded(loaded.Count, _options.Folder!);
        }
    }

    public void Dispose() => _watch?.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Skipped tool file {Path}: {Reason}")]
    private partial void LogBadTool(string path, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded {Count} declarative tools from {Folder}")]
    private partial void LogLoaded(int count, string folder);
}

/// <summary>Settings of the Tool Manager, bound from <c>ContextHub:Tools</c>.</summary>
public sealed class ToolOptions
{
    public const string Section = "ContextHub:Tools";

    /// <summary>Folder of declarative tool files; empty loads none.</summary>
    public string? Folder { get; set; }

    public bool Watch { get; set; } = true;

    /// <summary>
    /// What arguments that fail the input schema get: by default what the negotiated revision says (a -32602 protocol
    /// error naming the path before 2025-11-25; from 2025-11-25 a tool result with <c>isError</c> that names it, so a model
    /// can correct itself); <see cref="ArgumentErrorStyle.ProtocolError"/> or <see cref="ArgumentErrorStyle.ToolResult"/>
    /// force one of them for every revision.
    /// </summary>
    public ArgumentErrorStyle ArgumentErrors { get; set; } = ArgumentErrorStyle.ByRevision;
}

public enum ArgumentErrorStyle
{
    /// <summary>-32602 before 2025-11-25, an <c>isError</c> tool result from 2025-11-25 (REST and GraphQL keep their own error shapes).</summary>
    ByRevision,
    ProtocolError,
    ToolResult,
}
