using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ContextHub.Server.Tests.GraphQL;

/// <summary>Sends GraphQL over HTTP to the test server and reads the answer.</summary>
internal sealed class GraphQLHttp(Uri endpoint) : IDisposable
{
    public const string GraphQLResponseJson = "application/graphql-response+json";

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    public Uri Endpoint { get; } = endpoint;

    public async Task<JsonElement> QueryAsync(string query, object? variables = null)
    {
        var (response, body) = await PostAsync(query, variables);
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.OK, $"HTTP {(int)response.StatusCode}: {body}");
        return body;
    }

    public Task<(HttpResponseMessage Response, JsonElement Body)> PostAsync(string query, object? variables = null, string accept = GraphQLResponseJson)
    {
        var payload = new JsonObject { ["query"] = query };
        if (variables is not null)
        {
            payload["variables"] = JsonSerializer.SerializeToNode(variables);
        }

        return PostRawAsync(payload.ToJsonString(), "application/json", accept);
    }

    public async Task<(HttpResponseMessage Response, JsonElement Body)> PostRawAsync(string body, string? contentType, string? accept = GraphQLResponseJson)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Endpoint) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)) };
        if (contentType is not null)
        {
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        return await SendAsync(request);
    }

    public async Task<(HttpResponseMessage Response, JsonElement Body)> GetAsync(string query, string accept = GraphQLResponseJson)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Endpoint, "?query=" + Uri.EscapeDataString(query)));
        request.Headers.TryAddWithoutValidation("Accept", accept);
        return await SendAsync(request);
    }

    private async Task<(HttpResponseMessage Response, JsonElement Body)> SendAsync(HttpRequestMessage request)
    {
        var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        JsonElement body;
        try
        {
            body = JsonDocument.Parse(text).RootElement;
        }
        catch (JsonException)
        {
            throw new InvalidOperationException($"HTTP {(int)response.StatusCode} with a body that is not JSON: {text}");
        }

        return (response, body);
    }

    public void Dispose() => _http.Dispose();
}
