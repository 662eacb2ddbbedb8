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

    /// <summary>An HTTP status the HTTP door should use instead of 200 (for example 400 or 404 before any session exists).</summary>
    public int? HttpStatus { get; set; }

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
}
