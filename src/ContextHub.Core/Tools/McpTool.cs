using System.Text.Json;
using ContextHub.Messaging;
using ModelContextProtocol.Protocol;

namespace ContextHub.Tools;

/// <summary>A tool the Tool Registry can hold: its MCP definition and the code that runs it.</summary>
public abstract class McpTool
{
    /// <summary>The definition clients see in <c>tools/list</c>; <c>inputSchema</c> is what arguments are checked against.</summary>
    public abstract Tool Definition { get; }

    /// <summary>How long one call may run before it is stopped; null takes the server's default.</summary>
    public virtual TimeSpan? Timeout => null;

    /// <summary>Whether the tool runs as a task (<c>execution.taskSupport</c>) when the client can take one.</summary>
    public virtual Tasks.ToolTaskSupport TaskSupport => Tasks.ToolTaskSupport.Forbidden;

    /// <summary>
    /// True when the tool decides itself when the call becomes a task (<see cref="McpCallContext.ContinueAsTaskAsync"/>),
    /// for example after gathering input in ordinary round trips; false starts the task before the tool runs.
    /// </summary>
    public virtual bool StartsTaskItself => false;

    /// <summary>Runs the tool. Arguments have already passed the input schema.</summary>
    public abstract ValueTask<CallToolResult> InvokeAsync(McpCallContext context, JsonElement arguments);
}
