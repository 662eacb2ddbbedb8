using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace ContextHub.Server.Tests.Rest;

/// <summary>Plain HTTP against the REST door at /api/v1.</summary>
internal sealed class RestClient(Uri baseAddress) : IDisposable
{
    public const string ProblemBase = "https://contexthub.dev/problems/";

    private readonly HttpClient _http = new() { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };

    public HttpClient Http => _http;

    public Task<RestResponse> GetAsync(string path, Action<HttpRequestMessage>? configure = null) =>
        SendAsync(HttpMethod.Get, path, content: null, configure);

    public Task<RestResponse> PostJsonAsync(string path, string json, Action<HttpRequestMessage>? configure = null) =>
        SendAsync(HttpMethod.Post, path, new StringContent(json, Encoding.UTF8, "application/json"), configure);

    public async Task<RestResponse> SendAsync(HttpMethod method, string path, HttpContent? content, Action<HttpRequestMessage>? configure = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        configure?.Invoke(request);
        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var body = text.Length > 0 && response.Content.Headers.ContentType?.MediaType is { } media && media.EndsWith("json", StringComparison.Ordinal)
            ? JsonDocument.Parse(text).RootElement.Clone()
            : default;
        return new RestResponse(response.StatusCode, response.Headers, response.Content.Headers, body, text);
    }

    public void Dispose() => _http.Dispose();
}

internal sealed record RestResponse(HttpStatusCode Status, HttpResponseHeaders Headers, HttpContentHeaders ContentHeaders, JsonElement Body, string Text)
{
    public string? MediaType => ContentHeaders.ContentType?.MediaType;

    /// <summary>Asserts an RFC 7807 problem of the given status and type slug, and returns it.</summary>
    public JsonElement AssertProblem(HttpStatusCode status, string slug)
    {
        Assert.True(Status == status, $"Expected {(int)status}, got {(int)Status}: {Text}");
        Assert.Equal("application/problem+json", MediaType);
        Assert.Equal(RestClient.ProblemBase + slug, Body.GetProperty("type").GetString());
        Assert.Equal((int)status, Body.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(Body.GetProperty("title").GetString()));
        Assert.False(string.IsNullOrEmpty(Body.GetProperty("detail").GetString()));
        Assert.StartsWith("/", Body.GetProperty("instance").GetString(), StringComparison.Ordinal);
        return Body;
    }
}
