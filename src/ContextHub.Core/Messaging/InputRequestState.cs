using System.Text.Json;
using System.Text.Json.Nodes;
using ContextHub.Protocol;

namespace ContextHub.Messaging;

/// <summary>
/// The answers a client gave in earlier rounds of a stateless multi-round-trip request. The server keeps nothing:
/// earlier answers travel in the signed <c>requestState</c> and the latest ones in <c>inputResponses</c>; a handler
/// that runs again replays its asks against them.
/// </summary>
public sealed class InputRequestState
{
    private readonly Dictionary<string, JsonElement> _answers;
    private readonly RequestStateProtector _protector;

    private InputRequestState(Dictionary<string, JsonElement> answers, RequestStateProtector protector)
    {
        _answers = answers;
        _protector = protector;
    }

    public static InputRequestState FromRequest(McpRequest request, RequestStateProtector protector)
    {
        var answers = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (request.Params.ValueKind != JsonValueKind.Object)
        {
            return new InputRequestState(answers, protector);
        }

        if (request.Params.TryGetProperty("requestState"u8, out var state) && state.ValueKind == JsonValueKind.String)
        {
            var bytes = protector.Unprotect(state.GetString()!)
                ?? throw McpErrorException.InvalidParams("requestState was altered or was not issued by this server", "requestState");
            using var document = JsonDocument.Parse(bytes);
            foreach (var item in document.RootElement.EnumerateObject())
            {
                answers[item.Name] = item.Value.Clone();
            }
        }

        if (request.Params.TryGetProperty("inputResponses"u8, out var responses))
        {
            if (responses.ValueKind != JsonValueKind.Object)
            {
                throw McpErrorException.InvalidParams("inputResponses must be an object", "inputResponses");
            }

            foreach (var item in responses.EnumerateObject())
            {
                answers[item.Name] = item.Value.Clone();
            }
        }

        return new InputRequestState(answers, protector);
    }

    public bool TryGetResponse(string key, out JsonElement response) => _answers.TryGetValue(key, out response);

    /// <summary>The opaque <c>requestState</c> for the next round: every answer so far.</summary>
    public string Encode()
    {
        var node = new JsonObject();
        foreach (var (key, value) in _answers)
        {
            node[key] = JsonSerializer.SerializeToNode(value, CoreJsonContext.Default.JsonElement);
        }

        return _protector.Protect(JsonSerializer.SerializeToUtf8Bytes(node, CoreJsonContext.Default.JsonObject));
    }
}
