using System.Text.Json;

namespace ContextHub.Server.Gateway.GraphQL;

/// <summary>What <c>callToolWithProgress</c> streams: progress events, then one result.</summary>
public enum ToolCallEventKind
{
    Progress,
    Result,
}

public sealed record ToolCallEvent(ToolCallEventKind Kind, double? Progress = null, double? Total = null, string? Message = null, JsonElement? Result = null);
