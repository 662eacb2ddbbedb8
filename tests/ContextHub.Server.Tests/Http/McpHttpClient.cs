using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace ContextHub.Server.Tests.Http;

/// <summary>Raw HTTP against /mcp, for what the SDK clients never send.</summary>
internal sealed class McpHttpClient(Uri endpoint) : IDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    public const string Stateless = "2026-07-28";

    public async Task<(HttpResponseMessage Response, JsonElement Body)> PostAsync(string body, Action<HttpRequestMessage>? configure = null,
        string accept = "application/json, text/event-stream", string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint);
        request.Content = new StringContent(body, Encoding.UTF8);
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.TryAddWithoutValidation("Accept", accept);
        configure?.Invoke(request);
        var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (response.Content.Headers.ContentType?.MediaType == "text/event-stream")
        {
            text = text.Split('\n').Last(l => l.StartsWith("data: ", StringComparison.Ordinal))[6..];
        }

        return (response, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>A stateless (2026-07-28) request with the headers that revision requires.</summary>
    public Task<(HttpResponseMessage Response, JsonElement Body)> CallStatelessAsync(string method, string paramsJson, string? name = null) =>
        PostAsync(
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"" + method + "\",\"params\":" + WithMeta(paramsJson) + "}",
            r =>
            {
                r.Headers.Add("Mcp-Method", method);
                r.Headers.Add("MCP-Protocol-Version", Stateless);
                if (name is not null)
                {
                    r.Headers.Add("Mcp-Name", name);
                }
            });

    public async Task<string> InitializeAsync(string version = "2025-11-25")
    {
        var (response, _) = await PostAsync(
            "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"" + version
            + "\",\"capabilities\":{},\"clientInfo\":{\"name\":\"raw\",\"version\":\"1\"}}}");
        return response.Headers.GetValues("Mcp-Session-Id").Single();
    }

    private static string WithMeta(string paramsJson)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(paramsJson)!.AsObject();
        node["_meta"] = new System.Text.Json.Nodes.JsonObject
        {
            ["io.modelcontextprotocol/protocolVersion"] = Stateless,
            ["io.modelcontextprotocol/clientCapabilities"] = new System.Text.Json.Nodes.JsonObject(),
        };
        return node.ToJsonString();
    }

    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request) => _http.SendAsync(request);

    public void Dispose() => _http.Dispose();
}
