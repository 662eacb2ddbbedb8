using System.Net;
using System.Text.Json;
using ContextHub.Server.Tests.Infrastructure;

namespace ContextHub.Server.Tests.Rest;

/// <summary>Tools over REST: list, describe, call; a tool's failure is a 200 with isError, a refused request a problem.</summary>
[Collection(ServerCollection.Name)]
public sealed class RestToolTests(TestServer server) : IDisposable
{
    private readonly RestClient _client = new(server.BaseAddress);

    [Fact]
    public async Task Lists_tools_on_one_page()
    {
        var response = await _client.GetAsync("/api/v1/tools");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("application/json", response.MediaType);
        var names = response.Body.GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString()).ToList();
        Assert.Contains("echo", names);
        Assert.Contains("text_stats", names);
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
        Assert.False(response.Body.TryGetProperty("nextCursor", out _));
        Assert.False(response.Headers.Contains("Link"));
        Assert.False(response.Body.TryGetProperty("resultType", out _));
    }

    [Fact]
    public async Task Describes_a_tool_with_its_schema()
    {
        var response = await _client.GetAsync("/api/v1/tools/echo");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("echo", response.Body.GetProperty("name").GetString());
        Assert.Equal("Echo", response.Body.GetProperty("title").GetString());
        Assert.Equal("string", response.Body.GetProperty("inputSchema").GetProperty("properties").GetProperty("message").GetProperty("type").GetString());
        Assert.True(response.Body.GetProperty("annotations").GetProperty("readOnlyHint").GetBoolean());
    }

    [Fact]
    public async Task Describing_an_unknown_tool_is_404()
    {
        var response = await _client.GetAsync("/api/v1/tools/nope");

        var problem = response.AssertProblem(HttpStatusCode.NotFound, "not-found");
        Assert.Equal("/api/v1/tools/nope", problem.GetProperty("instance").GetString());
        Assert.Equal("name", problem.GetProperty("path").GetString());
    }

    [Fact]
    public async Task Calls_echo()
    {
        var response = await _client.PostJsonAsync("/api/v1/tools/echo/call", """{"message":"hi"}""");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        var content = response.Body.GetProperty("content");
        Assert.Equal("text", content[0].GetProperty("type").GetString());
        Assert.Equal("echo: hi", content[0].GetProperty("text").GetString());
        Assert.False(response.Body.TryGetProperty("isError", out var isError) && isError.GetBoolean());
    }

    [Fact]
    public async Task Calls_text_stats_with_structured_content()
    {
        var response = await _client.PostJsonAsync("/api/v1/tools/text_stats/call", """{"text":"One two. Three!"}""");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        var structured = response.Body.GetProperty("structuredContent");
        Assert.Equal(3, structured.GetProperty("words").GetInt32());
        Assert.Equal(2, structured.GetProperty("sentences").GetInt32());
    }

    [Fact]
    public async Task A_failing_tool_is_200_with_isError()
    {
        var response = await _client.PostJsonAsync("/api/v1/tools/current_time/call", """{"timeZone":"Nowhere/Never"}""");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.True(response.Body.GetProperty("isError").GetBoolean());
        Assert.Contains("Nowhere/Never", response.Body.GetProperty("content")[0].GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_call_without_a_body_has_no_arguments()
    {
        var response = await _client.SendAsync(HttpMethod.Post, "/api/v1/tools/current_time/call", content: null);

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.False(response.Body.TryGetProperty("isError", out var isError) && isError.GetBoolean());
    }

    [Fact]
    public async Task Arguments_failing_the_schema_are_400_naming_the_argument()
    {
        var wrongType = await _client.PostJsonAsync("/api/v1/tools/echo/call", """{"message":["x"]}""");
        var missing = await _client.PostJsonAsync("/api/v1/tools/echo/call", "{}");
        var notAnObject = await _client.PostJsonAsync("/api/v1/tools/echo/call", "[1,2]");

        var problem = wrongType.AssertProblem(HttpStatusCode.BadRequest, "invalid-params");
        Assert.Equal("arguments.message", problem.GetProperty("path").GetString());
        Assert.Equal(-32602, problem.GetProperty("code").GetInt32());
        Assert.Equal("arguments.message", missing.AssertProblem(HttpStatusCode.BadRequest, "invalid-params").GetProperty("path").GetString());
        Assert.Equal("arguments", notAnObject.AssertProblem(HttpStatusCode.BadRequest, "invalid-params").GetProperty("path").GetString());
    }

    [Fact]
    public async Task Calling_an_unknown_tool_is_404()
    {
        var response = await _client.PostJsonAsync("/api/v1/tools/nope/call", "{}");

        var problem = response.AssertProblem(HttpStatusCode.NotFound, "not-found");
        Assert.Equal(-32602, problem.GetProperty("code").GetInt32());
        Assert.Equal("name", problem.GetProperty("path").GetString());
    }

    [Fact]
    public async Task A_tool_that_needs_a_client_capability_is_a_problem()
    {
        var response = await _client.PostJsonAsync("/api/v1/tools/ask_user/call", """{"question":"Name?"}""");

        var problem = response.AssertProblem(HttpStatusCode.BadRequest, "missing-capability");
        Assert.Equal(-32021, problem.GetProperty("code").GetInt32());
        Assert.True(problem.GetProperty("data").GetProperty("requiredCapabilities").TryGetProperty("elicitation", out _));
    }

    public void Dispose() => _client.Dispose();
}
