using ContextHub.Resources;

namespace ContextHub.Core.Tests;

public sealed class UriTemplateTests
{
    [Theory]
    [InlineData("test://template/{id}/data", "test://template/42/data", "id", "42")]
    [InlineData("res://docs/{+path}", "res://docs/a/b/c.md", "path", "a/b/c.md")]
    [InlineData("users/{name}", "users/J%C3%BCrgen", "name", "Jürgen")]
    [InlineData("files{/dir}", "files/src", "dir", "src")]
    [InlineData("search{?q,lang}", "search?lang=en&q=mcp", "q", "mcp")]
    public void Matches_and_extracts_variables(string template, string uri, string variable, string expected)
    {
        var values = new UriTemplate(template).Match(uri);

        Assert.NotNull(values);
        Assert.Equal(expected, values[variable]);
    }

    [Theory]
    [InlineData("test://template/{id}/data", "test://template/42/other")]
    [InlineData("test://template/{id}/data", "test://template/4/2/data")]
    [InlineData("users/{name}", "people/x")]
    public void Does_not_match_other_uris(string template, string uri) =>
        Assert.Null(new UriTemplate(template).Match(uri));

    [Fact]
    public void Names_its_variables() =>
        Assert.Equal(["owner", "repo", "q"], new UriTemplate("gh://{owner}/{repo}{?q}").Variables);
}
