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

    private readonly Dictionary<string, JsonObject> _pending = new(StringComparer.Ordinal);

    public bool TryGetResponse(string key, out JsonElement response) => _answers.TryGetValue(key, out response);

    /// <summary>Records an ask the client has not answered yet; it goes out in the next <c>input_required</c> result.</summary>
    public void AddPending(string key, JsonObject inputRequest)
    {
        lock (_pending)
        {
            _pending[key] = inputRequest;
        }
    }

    /// <summary>The <c>input_required</c> result: every pending ask and the signed state of the answers so far.</summary>
    public JsonObject ToResult()
    {
        var requests = new JsonObject();
        lock (_pending)
        {
            foreach (var (key, request) in _pending)
            {
                requests[key] = request.DeepClone();
            }
        }

        return new JsonObject
        {
            ["resultType"] = "input_required",
            ["inputRequests"] = requests,
            ["requestState"] = Encode(),
        };
    }

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
