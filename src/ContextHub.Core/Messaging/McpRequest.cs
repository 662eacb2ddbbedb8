using System.Text.Json;
using ContextHub.Sessions;
using ModelContextProtocol.Protocol;

namespace ContextHub.Messaging;

/// <summary>The doors a request can come through.</summary>
public enum McpTransportKind
{
    StreamableHttp,
    Stdio,
    WebSocket,
    Rest,
    GraphQL,
    InProcess,
}

/// <summary>What a door offers beyond the protocol revision of its requests: set by the door, never read from a message.</summary>
[Flags]
public enum McpDoorFeatures
{
    None = 0,

    /// <summary><c>tasks/list</c> in a stateless request: the 2026-07-28 tasks extension has none, the REST door lists a caller's tasks.</summary>
    StatelessTaskList = 1,
}

/// <summary>How a caller proved who it is.</summary>
public enum McpAuthKind
{
    /// <summary>No credentials: the caller gets the anonymous scopes (or is refused when authentication is required).</summary>
    Anonymous,

    /// <summary>An API key from the server's key file.</summary>
    ApiKey,

    /// <summary>A JWT bearer token from an authorization server (OAuth 2.1 resource server).</summary>
    Jwt,

    /// <summary>A trusted local process (stdio): the configured local scopes.</summary>
    Local,
}

/// <summary>
/// Who is calling and through which door. <see cref="Identity"/> is the subject (what the tool-call record stores and
/// what owns sessions); <see cref="Scopes"/> is what it may do (see <see cref="AuthKind"/> for anonymous and local callers).
/// </summary>
public sealed record McpCaller(McpTransportKind Transport, System.Net.IPAddress? RemoteAddress = null, string Identity = "anonymous")
{
    private static readonly IReadOnlySet<string> NoScopes = new HashSet<string>();

    /// <summary>A readable name (the API key's name, the token's name claim); the identity when there is none.</summary>
    public string Name { get => field ?? Identity; init; }

    public McpAuthKind AuthKind { get; init; } = McpAuthKind.Anonymous;

    /// <summary>Scopes granted by the credentials (API key scopes, the token's <c>scope</c>/<c>scp</c> claim).</summary>
    public IReadOnlySet<string> Scopes { get; init; } = NoScopes;

    /// <summary>The same caller seen through another door (a REST request of a caller known from its credentials).</summary>
    public McpCaller WithTransport(McpTransportKind transport) => this with { Transport = transport };
}

/// <summary>
/// One transport-neutral request: every door turns what it received into this and hands it to the
/// <see cref="MessageManager"/>. The JSON elements belong to the door's document and live as long as the call.
/// </summary>
public sealed class McpRequest
{
    public required string Method { get; init; }

    /// <summary>The JSON-RPC id as sent (string or number); <c>Undefined</c> for a notification.</summary>
    public JsonElement Id { get; init; }

    /// <summary>The params object; <c>Undefined</c> when absent.</summary>
    public JsonElement Params { get; init; }

    public required McpCaller Caller { get; init; }

    /// <summary>Ties logs, traces and error messages of this request together; made on first use (most requests never need one).</summary>
    public string CorrelationId
    {
        get => field ??= Guid.NewGuid().ToString("N");
        init;
    }

    /// <summary>Session of the session-based revisions; null in the stateless revision.</summary>
    public McpSession? Session { get; set; }

    /// <summary>What the door that built this request offers beyond its revision.</summary>
    public McpDoorFeatures DoorFeatures { get; init; }

    /// <summary>Where notifications and server-to-client requests tied to this request go; null when the door cannot carry them.</summary>
    public IMcpChannel? Channel { get; init; }

    /// <summary>Set by the Message Manager: the revision this request is handled under.</summary>
    public string ProtocolVersion { get; set; } = "";

    /// <summary>Set by the Message Manager: what the client can do (from the session or the request's <c>_meta</c>).</summary>
    public ClientCapabilities? ClientCapabilities { get; set; }

    /// <summary>Set by the Message Manager: the lowest level of log messages the client wants for this request; null means none.</summary>
    public LoggingLevel? LogLevel { get; set; }

    public bool IsNotification => Id.ValueKind == JsonValueKind.Undefined;

    /// <summary>True when the stateless revision (2026-07-28 and later) governs this request.</summary>
    public bool IsStateless => Session is null && ProtocolVersion.Length > 0 && Protocol.McpProtocol.IsStateless(ProtocolVersion);

    /// <summary>Reads <c>params._meta[key]</c>, or <c>Undefined</c>.</summary>
    public JsonElement GetMeta(string key) =>
        Params.ValueKind == JsonValueKind.Object
        && Params.TryGetProperty("_meta"u8, out var meta)
        && meta.ValueKind == JsonValueKind.Object
        && meta.TryGetProperty(key, out var value) ? value : default;

    /// <summary>The prefix of the headers that repeat tool arguments (SEP-2243).</summary>
    public const string ParameterHeaderPrefix = "Mcp-Param-";

    /// <summary>
    /// The <c>Mcp-Param-*</c> headers an HTTP door saw (name after the prefix → value, case-insensitive), which the engine
    /// checks against the tool's <c>x-mcp-header</c> arguments; null when the door carries no headers (no check).
    /// </summary>
    public IReadOnlyDictionary<string, string>? ParameterHeaders { get; init; }

    /// <summary>Held by a pipeline step for the length of the request (a concurrency slot); the Message Manager releases it at the end.</summary>
    public IDisposable? Lease { get; set; }

    /// <summary>A short id text for logs and cancellation bookkeeping.</summary>
    public string IdText => Id.ValueKind switch
    {
        JsonValueKind.String => Id.GetString()!,
        JsonValueKind.Number => Id.GetRawText(),
        _ => "",
    };
}
