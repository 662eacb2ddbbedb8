using System.Net;
using System.Net.Http.Headers;
using System.Text;
using ContextHub.Server.Tests.Infrastructure;

namespace ContextHub.Server.Tests.Rest;

/// <summary>What each bad input gets at the REST door: an RFC 7807 problem with a stable type, never an unhandled 500.</summary>
[Collection(ServerCollection.Name)]
public sealed class RestBadInputTests(TestServer server) : IDisposable
{
    private readonly RestClient _client = new(server.BaseAddress);

    [Theory]
    [InlineData("/api/v1/tools/echo/call", """{"message":""")]
    [InlineData("/api/v1/tools/echo/call", """{"message":"hi"} trailing""")]
    [InlineData("/api/v1/prompts/code_review/render", """{code: 1}""")]
    [InlineData("/api/v1/completions", """{"ref":""")]
    public async Task Malformed_json_is_400_parse_error(string path, string body)
    {
        var response = await _client.PostJsonAsync(path, body);

        response.AssertProblem(HttpStatusCode.BadRequest, "parse-error");
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    public async Task Another_content_type_is_415(string contentType)
    {
        var response = await _client.SendAsync(HttpMethod.Post, "/api/v1/tools/echo/call",
            new StringContent("""{"message":"hi"}""", Encoding.UTF8, contentType));

        response.AssertProblem(HttpStatusCode.UnsupportedMediaType, "unsupported-media-type");
    }

    [Fact]
    public async Task A_body_without_a_content_type_is_415()
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes("""{"message":"hi"}"""));

        var response = await _client.SendAsync(HttpMethod.Post, "/api/v1/tools/echo/call", content);

        response.AssertProblem(HttpStatusCode.UnsupportedMediaType, "unsupported-media-type");
    }

    [Fact]
    public async Task A_json_suffix_media_type_is_accepted()
    {
        var response = await _client.SendAsync(HttpMethod.Post, "/api/v1/tools/echo/call",
            new StringContent("""{"message":"hi"}""", Encoding.UTF8, "application/vnd.contexthub+json"));

        Assert.Equal(HttpStatusCode.OK, response.Status);
    }

    [Fact]
    public async Task A_body_over_the_limit_is_413_whether_declared_or_streamed()
    {
        var big = $$"""{"message":"{{new string('x', 70_000)}}"}""";

        var declared = await _client.PostJsonAsync("/api/v1/tools/echo/call", big);
        var streamed = await _client.SendAsync(HttpMethod.Post, "/api/v1/tools/echo/call", Chunked(big));
        var render = await _client.PostJsonAsync("/api/v1/prompts/code_review/render", big);

        declared.AssertProblem(HttpStatusCode.RequestEntityTooLarge, "too-large");
        streamed.AssertProblem(HttpStatusCode.RequestEntityTooLarge, "too-large");
        render.AssertProblem(HttpStatusCode.RequestEntityTooLarge, "too-large");
    }

    [Fact]
    public async Task A_streamed_body_under_the_limit_is_read()
    {
        var response = await _client.SendAsync(HttpMethod.Post, "/api/v1/tools/echo/call", Chunked("""{"message":"streamed"}"""));

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("echo: streamed", response.Body.GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Theory]
    [InlineData("/api/v1/tools")]
    [InlineData("/api/v1/resources")]
    [InlineData("/api/v1/resources/templates")]
    [InlineData("/api/v1/prompts")]
    public async Task A_cursor_this_server_did_not_issue_is_400(string path)
    {
        var response = await _client.GetAsync(path + "?cursor=not-a-cursor");

        var problem = response.AssertProblem(HttpStatusCode.BadRequest, "invalid-params");
        Assert.Equal("cursor", problem.GetProperty("path").GetString());
        Assert.Equal(-32602, problem.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task A_foreign_origin_is_403_and_a_loopback_origin_passes()
    {
        var foreign = await _client.GetAsync("/api/v1/tools", r => r.Headers.Add("Origin", "https://evil.example"));
        var local = await _client.GetAsync("/api/v1/tools", r => r.Headers.Add("Origin", "http://localhost:3000"));

        foreign.AssertProblem(HttpStatusCode.Forbidden, "forbidden-origin");
        Assert.Equal(HttpStatusCode.OK, local.Status);
    }

    [Fact]
    public async Task Problems_are_never_an_unhandled_500()
    {
        // Odd but well-formed inputs: each gets a problem of its own kind.
        var nullBody = await _client.PostJsonAsync("/api/v1/prompts/code_review/render", "null");
        var numberBody = await _client.PostJsonAsync("/api/v1/prompts/code_review/render", "42");
        var nullArgument = await _client.PostJsonAsync("/api/v1/prompts/code_review/render", """{"code":null}""");

        Assert.Equal("arguments.code", nullBody.AssertProblem(HttpStatusCode.BadRequest, "invalid-params").GetProperty("path").GetString());
        Assert.Equal("arguments", numberBody.AssertProblem(HttpStatusCode.BadRequest, "invalid-params").GetProperty("path").GetString());
        Assert.Equal("arguments.code", nullArgument.AssertProblem(HttpStatusCode.BadRequest, "invalid-params").GetProperty("path").GetString());
    }

    private static StreamContent Chunked(string json)
    {
        var content = new StreamContent(new NonSeekableStream(Encoding.UTF8.GetBytes(json)));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    public void Dispose() => _client.Dispose();

    /// <summary>A stream without a length, so HttpClient sends it chunked.</summary>
    private sealed class NonSeekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
