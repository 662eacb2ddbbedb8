using System.Net;
using System.Net.Http.Headers;
using ContextHub.Server.Tests.Infrastructure;

namespace ContextHub.Server.Tests.Rest;

/// <summary>Resources over REST: list, templates, read with an ETag and 304 on If-None-Match.</summary>
[Collection(ServerCollection.Name)]
public sealed class RestResourceTests(TestServer server) : IDisposable
{
    private const string Readme = "res://samples/README.md";

    private readonly RestClient _client = new(server.BaseAddress);

    [Fact]
    public async Task Lists_resources()
    {
        var response = await _client.GetAsync("/api/v1/resources");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        var uris = response.Body.GetProperty("resources").EnumerateArray().Select(r => r.GetProperty("uri").GetString()).ToList();
        Assert.Contains(Readme, uris);
        Assert.False(response.Body.TryGetProperty("nextCursor", out _));
    }

    [Fact]
    public async Task Lists_resource_templates()
    {
        var response = await _client.GetAsync("/api/v1/resources/templates");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        var templates = response.Body.GetProperty("resourceTemplates").EnumerateArray().Select(t => t.GetProperty("uriTemplate").GetString()).ToList();
        Assert.Contains("test://template/{id}/data", templates);
    }

    [Fact]
    public async Task Reads_a_resource_with_an_etag_and_answers_304_when_it_matches()
    {
        var path = "/api/v1/resources/read?uri=" + Uri.EscapeDataString(Readme);

        var first = await _client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, first.Status);
        var content = first.Body.GetProperty("contents")[0];
        Assert.Equal(Readme, content.GetProperty("uri").GetString());
        Assert.Equal(File.ReadAllText(Path.Combine(server.ResourcesFolder, "README.md")), content.GetProperty("text").GetString());
        var etag = first.Headers.ETag;
        Assert.NotNull(etag);

        var again = await _client.GetAsync(path);
        var notModified = await _client.GetAsync(path, r => r.Headers.IfNoneMatch.Add(etag));
        var weak = await _client.GetAsync(path, r => r.Headers.IfNoneMatch.Add(new EntityTagHeaderValue(etag.Tag, isWeak: true)));
        var other = await _client.GetAsync(path, r => r.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"something-else\"")));

        Assert.Equal(etag, again.Headers.ETag);
        Assert.Equal(HttpStatusCode.NotModified, notModified.Status);
        Assert.Equal(etag, notModified.Headers.ETag);
        Assert.Empty(notModified.Text);
        Assert.Equal(HttpStatusCode.NotModified, weak.Status);
        Assert.Equal(HttpStatusCode.OK, other.Status);
    }

    [Fact]
    public async Task The_etag_changes_when_the_resource_changes()
    {
        var file = Path.Combine(server.ResourcesFolder, "rest-etag.txt");
        await File.WriteAllTextAsync(file, "first");
        try
        {
            var path = "/api/v1/resources/read?uri=" + Uri.EscapeDataString("res://samples/rest-etag.txt");
            var first = await _client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, first.Status);

            await File.WriteAllTextAsync(file, "second, longer");
            RestResponse changed = first;
            for (var i = 0; i < 100 && (changed.Status == HttpStatusCode.NotModified || changed.Headers.ETag?.Tag == first.Headers.ETag?.Tag); i++)
            {
                // The file watcher drops the cached copy shortly after the write.
                await Task.Delay(100);
                changed = await _client.GetAsync(path, r => r.Headers.IfNoneMatch.Add(first.Headers.ETag!));
            }

            Assert.Equal(HttpStatusCode.OK, changed.Status);
            Assert.NotEqual(first.Headers.ETag, changed.Headers.ETag);
            Assert.Equal("second, longer", changed.Body.GetProperty("contents")[0].GetProperty("text").GetString());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Reading_an_unknown_resource_is_404_with_its_uri()
    {
        var response = await _client.GetAsync("/api/v1/resources/read?uri=" + Uri.EscapeDataString("res://samples/nope"));

        var problem = response.AssertProblem(HttpStatusCode.NotFound, "not-found");
        Assert.Equal("res://samples/nope", problem.GetProperty("data").GetProperty("uri").GetString());
    }

    [Fact]
    public async Task Reading_without_a_uri_is_400()
    {
        var missing = await _client.GetAsync("/api/v1/resources/read");
        var relative = await _client.GetAsync("/api/v1/resources/read?uri=README.md");

        Assert.Equal("uri", missing.AssertProblem(HttpStatusCode.BadRequest, "invalid-params").GetProperty("path").GetString());
        Assert.Equal("uri", relative.AssertProblem(HttpStatusCode.BadRequest, "invalid-params").GetProperty("path").GetString());
    }

    public void Dispose() => _client.Dispose();
}
