namespace ContextHub.Protocol;

/// <summary>Protocol revisions this engine speaks and the rules that differ between them.</summary>
public static class McpProtocol
{
    public const string Revision20260728 = "2026-07-28";
    public const string Revision20251125 = "2025-11-25";
    public const string Revision20250618 = "2025-06-18";
    public const string Revision20250326 = "2025-03-26";

    /// <summary>Newest first; the first entry is what the server offers when a client asks for something unknown.</summary>
    public static readonly string[] SessionVersions = [Revision20251125, Revision20250618, Revision20250326];

    public static readonly string[] StatelessVersions = [Revision20260728];

    public static readonly string[] AllVersions = [Revision20260728, Revision20251125, Revision20250618, Revision20250326];

    public static bool IsStateless(string version) => string.CompareOrdinal(version, Revision20260728) >= 0;

    public static bool IsSupported(string version) => Array.IndexOf(AllVersions, version) >= 0;

    /// <summary>JSON-RPC batches exist only in 2025-03-26.</summary>
    public static bool AllowsBatches(string version) => version == Revision20250326;

    /// <summary>From 2026-07-28 an unknown resource URI is -32602; before it is -32002.</summary>
    public static int ResourceNotFoundCode(string version) => IsStateless(version) ? -32602 : -32002;

    /// <summary>From 2025-11-25 arguments that fail validation are a tool execution error (<c>isError</c>), not -32602.</summary>
    public static bool ArgumentErrorsAreToolResults(string version) => string.CompareOrdinal(version, Revision20251125) >= 0;

    public static bool HasStructuredContent(string version) => string.CompareOrdinal(version, Revision20250618) >= 0;

    public static class Meta
    {
        public const string ProtocolVersion = "io.modelcontextprotocol/protocolVersion";
        public const string ClientInfo = "io.modelcontextprotocol/clientInfo";
        public const string ClientCapabilities = "io.modelcontextprotocol/clientCapabilities";
        public const string ServerInfo = "io.modelcontextprotocol/serverInfo";
        public const string LogLevel = "io.modelcontextprotocol/logLevel";
        public const string SubscriptionId = "io.modelcontextprotocol/subscriptionId";
    }

    public static class Headers
    {
        public const string SessionId = "Mcp-Session-Id";
        public const string ProtocolVersion = "MCP-Protocol-Version";
        public const string LastEventId = "Last-Event-ID";
        public const string Method = "Mcp-Method";
        public const string Name = "Mcp-Name";
    }

    public static class ErrorCodes
    {
        public const int ParseError = -32700;
        public const int InvalidRequest = -32600;
        public const int MethodNotFound = -32601;
        public const int InvalidParams = -32602;
        public const int InternalError = -32603;
        public const int ResourceNotFound = -32002;
        public const int HeaderMismatch = -32020;
        public const int MissingRequiredClientCapability = -32021;
        public const int UnsupportedProtocolVersion = -32022;

        /// <summary>Server-defined: no valid credentials.</summary>
        public const int Unauthorized = -32001;

        /// <summary>Server-defined: the caller's scopes do not allow this.</summary>
        public const int Forbidden = -32003;

        /// <summary>Server-defined: over a rate or concurrency limit; data.retryAfterSeconds says when to try again.</summary>
        public const int RateLimited = -32029;
    }
}
