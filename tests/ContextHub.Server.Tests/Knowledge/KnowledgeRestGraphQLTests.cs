using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ContextHub.Server.Tests.Infrastructure;

namespace ContextHub.Server.Tests.Knowledge;

/// <summary>The knowledge store through REST and GraphQL: the same tools behind both, each failure in the door's own shape.</summary>
[Collection(ServerCollection.Name)]
public sealed class KnowledgeRestGraphQLTests(TestServer server) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

    [Fact]
    public async Task Rest_adds_finds_reads_and_removes_a_document()
    {
        var source = $"rest/{Guid.NewGuid():N}.md";
        var added = await PostJsonAsync("/api/v1/knowledge/documents",
            new JsonObject { ["source"] = source, ["text"] = "# Bees\n\nHoneybees dance to show where the flowers are.", ["tags"] = new JsonArray("insects") });
        var id = added.Body.GetProperty("id").GetString()!;

        var found = await GetAsync("/api/v1/knowledge/search?query=bees+dance&tag=insects");
        var document = await GetAsync($"/api/v1/knowledge/documents/{Uri.EscapeDataString(id)}");
        var badMode = await GetAsync("/api/v1/knowledge/search?query=bees&mode=psychic");
        using var delete = await _http.DeleteAsync($"/api/v1/knowledge/documents/{Uri.EscapeDataString(id)}");
        var gone = await GetAsync($"/api/v1/knowledge/documents/{Uri.EscapeDataString(id)}");
        using var deleteAgain = await _http.DeleteAsync($"/api/v1/knowledge/documents/{Uri.EscapeDataString(id)}");

        Assert.Equal(HttpStatusCode.OK, added.Status);
        Assert.Equal("added", added.Body.GetProperty("status").GetString());
        Assert.Equal(id, found.Body.GetProperty("results")[0].GetProperty("id").GetString());
        Assert.Contains("Honeybees dance", document.Body.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, badMode.Status);
        Assert.EndsWith("/invalid-params", badMode.Body.GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, gone.Status);
        Assert.Equal(HttpStatusCode.NotFound, deleteAgain.StatusCode);
    }

    [Fact]
    public async Task Rest_refuses_a_document_without_text_as_a_problem()
    {
        var missing = await PostJsonAsync("/api/v1/knowledge/documents", new JsonObject { ["source"] = "x.txt" });
        var empty = await PostJsonAsync("/api/v1/knowledge/documents", new JsonObject { ["source"] = "x.txt", ["text"] = " " });

        Assert.Equal(HttpStatusCode.BadRequest, missing.Status);
        Assert.Equal("arguments.text", missing.Body.GetProperty("path").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, empty.Status);
    }

    [Fact]
    public async Task GraphQL_adds_finds_reads_and_removes_a_document()
    {
        var source = $"graphql/{Guid.NewGuid():N}.md";
        var added = await GraphQLAsync("mutation($s: String!, $t: String!) { ingestDocument(source: $s, text: $t, tags: [\"birds\"]) { id status chunks } }",
            new JsonObject { ["s"] = source, ["t"] = "Swifts sleep on the wing during long flights." });
        var id = added.GetProperty("data").GetProperty("ingestDocument").GetProperty("id").GetString()!;

        var found = await GraphQLAsync("query { search(query: \"swifts sleep\", tags: [\"birds\"]) { id url snippet score } }");
        var document = await GraphQLAsync("query($id: String!) { document(id: $id) { id text metadata } }", new JsonObject { ["id"] = id });
        var badMode = await GraphQLAsync("query { search(query: \"swifts\", mode: \"psychic\") { id } }");
        var deleted = await GraphQLAsync("mutation($id: String!) { deleteDocument(id: $id) }", new JsonObject { ["id"] = id });
        var gone = await GraphQLAsync("query($id: String!) { document(id: $id) { id } }", new JsonObject { ["id"] = id });

        Assert.Equal("added", added.GetProperty("data").GetProperty("ingestDocument").GetProperty("status").GetString());
        Assert.Equal(id, found.GetProperty("data").GetProperty("search")[0].GetProperty("id").GetString());
        Assert.Contains("sleep on the wing", document.GetProperty("data").GetProperty("document").GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal("TOOL_ERROR", badMode.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString());
        Assert.True(deleted.GetProperty("data").GetProperty("deleteDocument").GetBoolean());
        Assert.Equal(JsonValueKind.Null, gone.GetProperty("data").GetProperty("document").ValueKind);
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> PostJsonAsync(string path, JsonObject body)
    {
        using var response = await _http.PostAsync(path, new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(string path)
    {
        using var response = await _http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private async Task<JsonElement> GraphQLAsync(string query, JsonObject? variables = null)
    {
        var payload = new JsonObject { ["query"] = query, ["variables"] = variables };
        using var response = await _http.PostAsync("/graphql", new StringContent(payload.ToJsonString(), Encoding.UTF8, "application/json"));
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    public void Dispose() => _http.Dispose();
}
