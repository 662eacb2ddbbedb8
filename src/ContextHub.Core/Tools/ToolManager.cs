using System.Text.Json;
using ContextHub.Messaging;
using ContextHub.Protocol;
using ContextHub.Service;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Protocol;

namespace ContextHub.Tools;

/// <summary>Lists and calls tools: lookup, argument validation, timeout and the mapping of tool failures to <c>isError</c>.</summary>
public sealed partial class ToolManager
{
    private static readonly JsonElement EmptyArguments = JsonDocument.Parse("{}").RootElement;
    private readonly ToolRegistry _registry;
    private readonly McpServerOptions _options;
    private readonly bool _argumentErrorsAsResults;
    private readonly ILogger<ToolManager> _logger;

    public ToolManager(ToolRegistry registry, IOptions<McpServerOptions> options, IOptions<ToolOptions> toolOptions, ILogger<ToolManager> logger)
    {
        _registry = registry;
        _options = options.Value;
        _argumentErrorsAsResults = toolOptions.Value.ArgumentErrors == ArgumentErrorStyle.ToolResult;
        _logger = logger;
    }

    public ToolRegistry Registry => _registry;

    public ListToolsResult List(string? cursor)
    {
        var (page, next) = Pagination.Page(_registry.Sorted, static t => t.Definition.Name, cursor, _options.PageSize);
        var tools = new List<Tool>(page.Count);
        foreach (var tool in page)
        {
            tools.Add(tool.Definition);
        }

        return new ListToolsResult { Tools = tools, NextCursor = next };
    }

    public async ValueTask<CallToolResult> CallAsync(McpRequest request, IServiceProvider services, string name, JsonElement arguments, CancellationToken cancellationToken)
    {
        if (!_registry.TryGet(name, out var registered))
        {
            throw McpErrorException.NotFound($"Unknown tool: '{name}'", "name");
        }

        if (arguments.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            arguments = EmptyArguments;
        }
        else if (arguments.ValueKind != JsonValueKind.Object)
        {
            throw McpErrorException.InvalidParams("arguments must be an object", "arguments");
        }

        try
        {
            registered.Validator.Validate(arguments);
        }
        catch (McpErrorException invalid) when (_argumentErrorsAsResults)
        {
            return ToolResults.Error(invalid.Message);
        }

        var timeout = registered.Tool.Timeout ?? _options.ToolTimeout;
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var context = new McpCallContext(request, services, timeoutSource.Token);
        using var activity = McpTracing.StartToolExecution(registered.Tool.Definition.Name);
        try
        {
            var call = registered.Tool.InvokeAsync(context, arguments);
            if (call.IsCompletedSuccessfully)
            {
                // Most tools answer at once; only a call that goes asynchronous arms the timeout timer.
                return call.Result;
            }

            timeoutSource.CancelAfter(timeout);
            return await call;
        }
        catch (OperationCanceledException) when (timeoutSource.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return ToolResults.Error($"Tool '{name}' did not finish within {timeout.TotalSeconds:0.###} s and was stopped.");
        }
        catch (Exception e) when (e is not (McpErrorException or ClientInputRequiredException or OperationCanceledException))
        {
            LogToolFailed(e, name);
            return ToolResults.Error($"Tool '{name}' failed: {e.Message}");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Tool {ToolName} failed")]
    private partial void LogToolFailed(Exception exception, string toolName);
}
