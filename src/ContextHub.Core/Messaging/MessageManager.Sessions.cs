using System.Text.Json;
using ContextHub.Sessions;

namespace ContextHub.Messaging;

/// <summary>
/// What a door may do with sessions besides sending requests: find the caller's own session, hand it a client's answer,
/// keep it alive while a stream is open, and end it. The session manager itself stays inside the engine.
/// </summary>
public sealed partial class MessageManager
{
    /// <summary>The session, from this replica or the shared store, when the caller owns it; another identity's session is "not found".</summary>
    public async ValueTask<McpSession?> FindSessionAsync(string sessionId, McpCaller caller, CancellationToken cancellationToken) =>
        await _service.Sessions.FindAsync(sessionId, cancellationToken) is { } session && (session.Owner is null || session.Owner == caller.Identity)
            ? session
            : null;

    /// <summary>A client's answer to a request the server sent in this session; false when nothing waited for it.</summary>
    public ValueTask<bool> AnswerAsync(McpSession session, JsonElement response, CancellationToken cancellationToken) =>
        _service.Sessions.AnswerAsync(session, response, cancellationToken);

    /// <summary>Keeps the session alive (an open stream counts as use).</summary>
    public ValueTask TouchSessionAsync(McpSession session, CancellationToken cancellationToken) =>
        _service.Sessions.TouchAsync(session, cancellationToken);

    /// <summary>Ends the caller's own session; false when there is none (another identity's session stays as it is).</summary>
    public async ValueTask<bool> EndSessionAsync(string sessionId, McpCaller caller, CancellationToken cancellationToken) =>
        await FindSessionAsync(sessionId, caller, cancellationToken) is not null
        && await _service.Sessions.RemoveAsync(sessionId, cancellationToken);
}
