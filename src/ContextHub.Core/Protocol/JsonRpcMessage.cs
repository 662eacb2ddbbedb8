using System.Text.Json;

namespace ContextHub.Protocol;

/// <summary>What a JSON-RPC message is, read from its members.</summary>
public enum JsonRpcMessageKind
{
    Request,
    Notification,
    Response,
    Invalid,
}

/// <summary>Classifies and checks one JSON-RPC 2.0 message (an element of a batch, or the whole body).</summary>
public static class JsonRpcMessage
{
    /// <summary>Returns the kind; for <see cref="JsonRpcMessageKind.Invalid"/>, <paramref name="error"/> says why (-32600).</summary>
    public static JsonRpcMessageKind Classify(JsonElement message, out string method, out JsonElement id, out JsonElement parameters, out McpErrorException? error)
    {
        method = "";
        id = default;
        parameters = default;
        error = null;
        if (message.ValueKind != JsonValueKind.Object)
        {
            error = McpErrorException.InvalidRequest("a message must be a JSON object");
            return JsonRpcMessageKind.Invalid;
        }

        if (message.TryGetProperty("id"u8, out id) && id.ValueKind is not (JsonValueKind.String or JsonValueKind.Number))
        {
            error = McpErrorException.InvalidRequest("id must be a string or a number");
            id = default;
            return JsonRpcMessageKind.Invalid;
        }

        if (!message.TryGetProperty("jsonrpc"u8, out var version) || !version.ValueEquals("2.0"u8))
        {
            error = McpErrorException.InvalidRequest("jsonrpc must be \"2.0\"");
            return JsonRpcMessageKind.Invalid;
        }

        if (message.TryGetProperty("method"u8, out var methodElement))
        {
            if (methodElement.ValueKind != JsonValueKind.String || methodElement.GetString() is not { Length: > 0 } name)
            {
                error = McpErrorException.InvalidRequest("method must be a non-empty string");
                return JsonRpcMessageKind.Invalid;
            }

            method = name;
            if (message.TryGetProperty("params"u8, out parameters) && parameters.ValueKind != JsonValueKind.Object)
            {
                error = McpErrorException.InvalidRequest("params must be an object");
                return JsonRpcMessageKind.Invalid;
            }

            return id.ValueKind == JsonValueKind.Undefined ? JsonRpcMessageKind.Notification : JsonRpcMessageKind.Request;
        }

        if (id.ValueKind != JsonValueKind.Undefined && (message.TryGetProperty("result"u8, out _) || message.TryGetProperty("error"u8, out _)))
        {
            return JsonRpcMessageKind.Response;
        }

        error = McpErrorException.InvalidRequest("a message needs a method (request or notification) or a result or error (response)");
        return JsonRpcMessageKind.Invalid;
    }
}
