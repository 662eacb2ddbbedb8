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
    private readonly ArgumentErrorStyle _argumentErrors;
    private readonly ILogger<ToolManager> _logger;
    private readonly TimeProvider _time;

    public ToolManager(ToolRegistry registry, IOptions<McpServerOptions> options, IOptions<ToolOptions> toolOptions, ILogger<ToolManager> logger,
        TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _registry = registry;
        _options = options.Value;
        _argumentErrors = toolOptions.Value.ArgumentErrors;
        _logger = logger;
    }

    public ToolRegistry Registry => _registry;

    /// <summary>One page of the tools whose name <paramref name="visible"/> accepts (all when null).</summary>
    public ListToolsResult List(string? cursor, Func<string, bool>? visible = null)
    {
        var (page, next) = Pagination.Page(_registry.Sorted, static t => t.Definition.Name, cursor, _options.PageSize, visible);
        var tools = new List<Tool>(page.Count);
        foreach (var tool in page)
        {
            tools.Add(tool.Definition);
        }

        return new ListToolsResult { Tools = tools, NextCursor = next };
    }

    public async ValueTask<CallToolResult> CallAsync(McpRequest request, IServiceProvider services, string name, JsonElement arguments, CancellationToken cancellationToken)
    {
        var registered = Find(name);
        if (Check(request, registered, ref arguments) is { } refused)
        {
            return refused;
        }

        var timeout = registered.Tool.Timeout ?? _options.ToolTimeout;
        // The timeout runs on the injected clock; the caller's cancellation is linked in by hand (a linked source has no clock).
        using var timeoutSource = new CancellationTokenSource(Timeout.InfiniteTimeSpan, _time);
        using var linked = cancellationToken.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), timeoutSource);
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
        catch (McpErrorException invalid) when (IsArgumentError(invalid) && ArgumentErrorsAsResults(request))
        {
            // The tool could not bind an argument: the same answer as a schema failure.
            return ToolResults.Error(invalid.Message);
        }
        catch (Exception e) when (e is not (McpErrorException or ClientInputRequiredException or OperationCanceledException))
        {
            LogToolFailed(e, name);
            return ToolResults.Error($"Tool '{name}' failed: {e.Message}");
        }
    }

    /// <summary>The tool by name, or -32602 naming it.</summary>
    public RegisteredTool Find(string name) =>
        _registry.TryGet(name, out var registered) ? registered : throw McpErrorException.NotFound($"Unknown tool: '{name}'", "name");

    /// <summary>
    /// Checks the arguments against the tool's input schema (an absent object becomes <c>{}</c>). Returns the error result
    /// to answer with when the revision reports argument errors as tool results; throws -32602 otherwise.
    /// </summary>
    public CallToolResult? Check(McpRequest request, RegisteredTool registered, ref JsonElement arguments)
    {
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
            return null;
        }
        catch (McpErrorException invalid) when (ArgumentErrorsAsResults(request))
        {
            return ToolResults.Error(invalid.Message);
        }
    }

    /// <summary>
    /// Runs a checked call with no timeout (a task runs until it ends or is cancelled); a failing tool becomes an
    /// <c>isError</c> result, a protocol failure (<see cref="McpErrorException"/>) is thrown.
    /// </summary>
    public async ValueTask<CallToolResult> RunAsync(RegisteredTool registered, McpCallContext context, JsonElement arguments)
    {
        try
        {
            return await registered.Tool.InvokeAsync(context, arguments);
        }
        catch (McpErrorException invalid) when (IsArgumentError(invalid) && ArgumentErrorsAsResults(context.Request))
        {
            return ToolResults.Error(invalid.Message);
        }
        catch (Exception e) when (e is not (McpErrorException or ClientInputRequiredException or OperationCanceledException))
        {
            LogToolFailed(e, registered.Definition.Name);
            return ToolResults.Error($"Tool '{registered.Definition.Name}' failed: {e.Message}");
        }
    }

    /// <summary>Whether arguments that fail validation become an <c>isError</c> result for this request (else -32602).</summary>
    private bool ArgumentErrorsAsResults(McpRequest request) => _argumentErrors switch
    {
        ArgumentErrorStyle.ToolResult => true,
        ArgumentErrorStyle.ProtocolError => false,
        // Doors that are not MCP (REST, GraphQL, in-process) answer bad arguments in their own error shapes.
        _ => request.Caller.Transport is McpTransportKind.StreamableHttp or McpTransportKind.Stdio or McpTransportKind.WebSocket
            && request.ProtocolVersion.Length > 0 && McpProtocol.ArgumentErrorsAreToolResults(request.ProtocolVersion),
    };

    private static bool IsArgumentError(McpErrorException error) =>
        error.Code == McpProtocol.ErrorCodes.InvalidParams && error.ErrorData?["path"] is { } path
        && path.GetValueKind() == JsonValueKind.String && path.GetValue<string>().StartsWith("arguments", StringComparison.Ordinal);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Tool {ToolName} failed")]
    private partial void LogToolFailed(Exception exception, string toolName);
}
