namespace ContextHub.Messaging;

/// <summary>
/// What a caller may use. The authorization step of the Message Manager refuses the rest; list methods leave out what
/// the caller may not use (so a caller cannot learn from a list what exists beyond its scopes).
/// </summary>
public interface IMcpAccessPolicy
{
    bool CanUseTool(McpCaller caller, string name);

    bool CanReadResource(McpCaller caller, string uri);

    bool CanUsePrompt(McpCaller caller, string name);
}
