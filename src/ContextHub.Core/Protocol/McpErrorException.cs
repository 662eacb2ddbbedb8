using System.Text.Json.Nodes;
using ModelContextProtocol;

namespace ContextHub.Protocol;

/// <summary>
/// A protocol-level failure: becomes a JSON-RPC error on MCP doors and the matching shape on the others.
/// </summary>
public sealed class McpErrorException : Exception
{
    public McpErrorException(int code, string message, JsonNode? data = null, Exception? inner = null)
        : base(message, inner)
    {
        Code = code;
        ErrorData = data;
    }

    public int Code { get; }

    public JsonNode? ErrorData { get; }

    /// <summary>An HTTP status the MCP HTTP door should use instead of 200 (for example 400 or 404 before any session exists).</summary>
    public int? HttpStatus { get; set; }

    /// <summary>When the caller may try again (rate limits): HTTP doors send it as <c>Retry-After</c>.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>What went wrong, independent of any door: REST and GraphQL map this to their own shapes.</summary>
    public McpErrorKind Kind
    {
        get => field != McpErrorKind.Unspecified ? field : Code switch
        {
            McpProtocol.ErrorCodes.ParseError => McpErrorKind.ParseError,
            McpProtocol.ErrorCodes.InvalidRequest => McpErrorKind.InvalidRequest,
            McpProtocol.ErrorCodes.MethodNotFound => McpErrorKind.MethodNotFound,
            McpProtocol.ErrorCodes.InvalidParams => McpErrorKind.InvalidParams,
            McpProtocol.ErrorCodes.ResourceNotFound => McpErrorKind.NotFound,
            McpProtocol.ErrorCodes.HeaderMismatch => McpErrorKind.InvalidRequest,
            McpProtocol.ErrorCodes.MissingRequiredClientCapability => McpErrorKind.MissingCapability,
            McpProtocol.ErrorCodes.UnsupportedProtocolVersion => McpErrorKind.UnsupportedVersion,
            McpProtocol.ErrorCodes.Unauthorized => McpErrorKind.Unauthorized,
            McpProtocol.ErrorCodes.Forbidden => McpErrorKind.Forbidden,
            McpProtocol.ErrorCodes.RateLimited => McpErrorKind.RateLimited,
            _ => McpErrorKind.Internal,
        };
        init;
    }

    public static McpErrorException ParseError(string detail) =>
        new((int)McpErrorCode.ParseError, $"Parse error: {detail}");

    public static McpErrorException InvalidRequest(string detail) =>
        new((int)McpErrorCode.InvalidRequest, $"Invalid request: {detail}");

    public static McpErrorException MethodNotFound(string method) =>
        new((int)McpErrorCode.MethodNotFound, $"Method not found: {method}");

    public static McpErrorException InvalidParams(string detail, string? path = null) =>
        new((int)McpErrorCode.InvalidParams, path is null ? $"Invalid params: {detail}" : $"Invalid params at '{path}': {detail}",
            path is null ? null : new JsonObject { ["path"] = path });

    public static McpErrorException Internal(string detail) =>
        new((int)McpErrorCode.InternalError, $"Internal error: {detail}");

    /// <summary>An unknown tool, prompt or resource: -32602 (or the revision's resource code) with kind <see cref="McpErrorKind.NotFound"/>.</summary>
    public static McpErrorException NotFound(string message, string field, int code = (int)McpErrorCode.InvalidParams, JsonNode? data = null) =>
        new(code, message, data ?? new JsonObject { ["path"] = field }) { Kind = McpErrorKind.NotFound };
}

/// <summary>The meaning of an error, the same through every door.</summary>
public enum McpErrorKind
{
    Unspecified,
    ParseError,
    InvalidRequest,
    MethodNotFound,
    InvalidParams,
    NotFound,
    MissingCapability,
    UnsupportedVersion,
    TooLarge,
    Internal,

    /// <summary>No valid credentials (HTTP 401).</summary>
    Unauthorized,

    /// <summary>The caller may not do this (HTTP 403); said the same way whether the thing exists or not.</summary>
    Forbidden,

    /// <summary>Over a rate or concurrency limit (HTTP 429, with <see cref="McpErrorException.RetryAfter"/>).</summary>
    RateLimited,
}
