using System.Net;
using ContextHub.Server.Tests.Infrastructure;

namespace ContextHub.Server.Tests.Rest;

/// <summary>Prompts and completions over REST.</summary>
[Collection(ServerCollection.Name)]
public sealed class RestPromptTests(TestServer server) : IDisposable
{
    private readonly RestClient _client = new(server.BaseAddress);

    [Fact]
    public async Task Lists_prompts()
    {
        var response = await _client.GetAsync("/api/v1/prompts");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        var names = response.Body.GetProperty("prompts").EnumerateArray().Select(p => p.GetProperty("name").GetString()).ToList();
        Assert.Contains("code_review", names);
        Assert.False(response.Body.TryGetProperty("nextCursor", out _));
    }

    [Fact]
    public async Task Describes_a_prompt_with_its_arguments()
    {
        var response = await _client.GetAsync("/api/v1/prompts/code_review");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        var code = response.Body.GetProperty("arguments").EnumerateArray().Single(a => a.GetProperty("name").GetString() == "code");
        Assert.True(code.GetProperty("required").GetBoolean());
    }

    [Fact]
    public async Task Renders_code_review_with_the_code()
    {
        var response = await _client.PostJsonAsync("/api/v1/prompts/code_review/render", """{"code":"print('hi')","language":"python"}""");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        var message = response.Body.GetProperty("messages")[0];
        Assert.Equal("user", message.GetProperty("role").GetString());
        var text = message.GetProperty("content").GetProperty("text").GetString();
        Assert.Contains("print('hi')", text, StringComparison.Ordinal);
        Assert.Contains("```python", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rendering_without_a_required_argument_is_400_naming_it()
    {
        var response = await _client.PostJsonAsync("/api/v1/prompts/code_review/render", """{"language":"python"}""");

        Assert.Equal("arguments.code", response.AssertProblem(HttpStatusCode.BadRequest, "invalid-params").GetProperty("path").GetString());
    }

    [Fact]
    public async Task An_unknown_prompt_is_404()
    {
        var describe = await _client.GetAsync("/api/v1/prompts/nope");
        var render = await _client.PostJsonAsync("/api/v1/prompts/nope/render", "{}");

        describe.AssertProblem(HttpStatusCode.NotFound, "not-found");
        render.AssertProblem(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task Completes_a_prompt_argument()
    {
        var response = await _client.PostJsonAsync("/api/v1/completions",
            """{"ref":{"type":"ref/prompt","name":"code_review"},"argument":{"name":"language","value":"py"}}""");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal(["python"], response.Body.GetProperty("values").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal(1, response.Body.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Completes_a_resource_template_variable()
    {
        var response = await _client.PostJsonAsync("/api/v1/completions",
            """{"ref":{"type":"ref/resource","uri":"test://template/{id}/data"},"argument":{"name":"id","value":"4"},"context":{"arguments":{}}}""");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal(["456"], response.Body.GetProperty("values").EnumerateArray().Select(v => v.GetString()));
    }

    [Fact]
    public async Task Bad_completion_requests_are_problems()
    {
        var unknownPrompt = await _client.PostJsonAsync("/api/v1/completions",
            """{"ref":{"type":"ref/prompt","name":"nope"},"argument":{"name":"language","value":"py"}}""");
        var noArgument = await _client.PostJsonAsync("/api/v1/completions", """{"ref":{"type":"ref/prompt","name":"code_review"}}""");
        var wrongShape = await _client.PostJsonAsync("/api/v1/completions", """{"ref":"code_review","argument":{"name":"language","value":"py"}}""");
        var noBody = await _client.SendAsync(HttpMethod.Post, "/api/v1/completions", content: null);

        unknownPrompt.AssertProblem(HttpStatusCode.NotFound, "not-found");
        Assert.Equal("argument", noArgument.AssertProblem(HttpStatusCode.BadRequest, "invalid-params").GetProperty("path").GetString());
        Assert.Equal("ref", wrongShape.AssertProblem(HttpStatusCode.BadRequest, "invalid-params").GetProperty("path").GetString());
        Assert.Equal("ref", noBody.AssertProblem(HttpStatusCode.BadRequest, "invalid-params").GetProperty("path").GetString());
    }

    public void Dispose() => _client.Dispose();
}
