using System.Net;
using System.Text.RegularExpressions;
using ContextHub.Server.Tests.Infrastructure;

namespace ContextHub.Server.Tests.Rest;

/// <summary>The OpenAPI 3.1 document (checked by an OpenAPI linter from npm) and the interactive reference page.</summary>
[Collection(ServerCollection.Name)]
public sealed partial class RestOpenApiTests(TestServer server) : IDisposable
{
    private readonly RestClient _client = new(server.BaseAddress);

    [Fact]
    public async Task The_document_describes_every_rest_endpoint_and_nothing_else()
    {
        var response = await _client.GetAsync("/openapi/v1.json");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        var document = response.Body;
        Assert.StartsWith("3.1", document.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToHashSet();
        string[] expected =
        [
            "/api/v1/tools", "/api/v1/tools/{name}", "/api/v1/tools/{name}/call",
            "/api/v1/resources", "/api/v1/resources/templates", "/api/v1/resources/read",
            "/api/v1/prompts", "/api/v1/prompts/{name}", "/api/v1/prompts/{name}/render",
            "/api/v1/completions",
            "/api/v1/knowledge/search", "/api/v1/knowledge/documents", "/api/v1/knowledge/documents/{id}",
            "/api/v1/keys", "/api/v1/keys/{name}",
            "/api/v1/tasks", "/api/v1/tasks/{id}", "/api/v1/tasks/{id}/result",
        ];
        Assert.Equal(expected.ToHashSet(), paths);
    }

    [Fact]
    public async Task Every_operation_describes_its_bodies_and_problems()
    {
        var document = (await _client.GetAsync("/openapi/v1.json")).Body;
        var schemas = document.GetProperty("components").GetProperty("schemas");
        Assert.True(schemas.TryGetProperty("Problem", out var problem));
        foreach (var field in new[] { "type", "title", "status", "detail", "instance", "code", "path" })
        {
            Assert.True(problem.GetProperty("properties").TryGetProperty(field, out _), $"Problem has no '{field}'");
        }

        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                var where = $"{operation.Name.ToUpperInvariant()} {path.Name}";
                Assert.True(operation.Value.TryGetProperty("operationId", out _), $"{where} has no operationId");
                var responses = operation.Value.GetProperty("responses");
                if (operation.Name == "delete")
                {
                    Assert.True(responses.TryGetProperty("204", out _), $"{where}: no 204");
                }
                else
                {
                    var success = responses.TryGetProperty("200", out var found) ? found : responses.GetProperty("201");
                    Assert.True(success.GetProperty("content").TryGetProperty("application/json", out var ok), $"{where}: no 200 body");
                    Assert.True(ok.TryGetProperty("schema", out _), $"{where}: no 200 schema");
                }
                foreach (var status in new[] { "401", "403", "429", "500" })
                {
                    Assert.Equal("#/components/schemas/Problem",
                        responses.GetProperty(status).GetProperty("content").GetProperty("application/problem+json").GetProperty("schema").GetProperty("$ref").GetString());
                }

                if (operation.Name == "post")
                {
                    var body = operation.Value.GetProperty("requestBody").GetProperty("content").GetProperty("application/json");
                    Assert.True(body.TryGetProperty("schema", out _), $"{where}: no request schema");
                    Assert.True(responses.TryGetProperty("415", out _), $"{where}: no 415");
                    Assert.True(responses.TryGetProperty("413", out _), $"{where}: no 413");
                }
            }
        }

        var read = document.GetProperty("paths").GetProperty("/api/v1/resources/read").GetProperty("get");
        Assert.True(read.GetProperty("responses").TryGetProperty("304", out _));
        var uri = read.GetProperty("parameters").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "uri");
        Assert.True(uri.GetProperty("required").GetBoolean());
    }

    [Fact]
    public async Task The_document_passes_the_redocly_linter()
    {
        var file = Path.Combine(Path.GetTempPath(), $"contexthub-openapi-{Guid.NewGuid():N}.json");
        try
        {
            var text = await _client.Http.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative));
            await File.WriteAllTextAsync(file, text);

            var (exitCode, output, error) = await NodeTools.RunAsync(NodeTools.Bin("redocly"), ["lint", file, "--extends=spec"], TimeSpan.FromMinutes(2));

            Assert.True(exitCode == 0, $"redocly lint failed ({exitCode}):\n{output}\n{error}");
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task The_reference_page_is_served_from_the_server_itself()
    {
        var page = await _client.GetAsync("/scalar");

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal("text/html", page.MediaType);
        Assert.Contains("<html", page.Text, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("openapi/v1.json", page.Text, StringComparison.Ordinal);
        Assert.Contains("\"withDefaultFonts\":false", page.Text, StringComparison.Ordinal);

        // Every script and stylesheet comes from this server: no CDN, no remote fonts.
        var sources = SourcePattern().Matches(page.Text).Select(m => m.Groups["url"].Value).ToList();
        Assert.NotEmpty(sources);
        foreach (var source in sources)
        {
            Assert.False(Uri.TryCreate(source, UriKind.Absolute, out var absolute) && absolute.Scheme.StartsWith("http", StringComparison.Ordinal),
                $"The page loads {source} from elsewhere");
            var asset = await _client.Http.GetAsync(new Uri(new Uri(server.BaseAddress, "/scalar/"), source));
            Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
        }

        Assert.DoesNotContain("cdn.jsdelivr.net", page.Text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("fonts.scalar.com", page.Text, StringComparison.OrdinalIgnoreCase);
    }

    [GeneratedRegex("""<(?:script|link)[^>]+(?:src|href)\s*=\s*["'](?<url>[^"']+)["']""", RegexOptions.IgnoreCase)]
    private static partial Regex SourcePattern();

    public void Dispose() => _client.Dispose();
}
