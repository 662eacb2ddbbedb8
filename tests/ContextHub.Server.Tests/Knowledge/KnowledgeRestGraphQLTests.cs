using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ContextHub.Server.Tests.Infrastructure;
using ContextHub.Tests;

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
    public async Task Rest_refuses_a_document_without_content_as_a_problem()
    {
        var missing = await PostJsonAsync("/api/v1/knowledge/documents", new JsonObject { ["source"] = "x.txt" });
        var empty = await PostJsonAsync("/api/v1/knowledge/documents", new JsonObject { ["source"] = "x.txt", ["text"] = " " });
        var both = await PostJsonAsync("/api/v1/knowledge/documents", new JsonObject { ["source"] = "x.txt", ["text"] = "a", ["data"] = "YQ==" });
        var badBase64 = await PostJsonAsync("/api/v1/knowledge/documents", new JsonObject { ["source"] = "x.pdf", ["data"] = "not base64!" });

        Assert.Equal(HttpStatusCode.BadRequest, missing.Status);
        Assert.EndsWith("/invalid-params", missing.Body.GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.Contains("as text, or as data in base64", missing.Body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, empty.Status);
        Assert.Equal(HttpStatusCode.BadRequest, both.Status);
        Assert.Contains("not both", both.Body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, badBase64.Status);
        Assert.Contains("not valid base64", badBase64.Body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rest_takes_a_pdf_uploaded_as_a_form_or_sent_as_base64_json()
    {
        var run = Guid.NewGuid().ToString("N");
        var pdf = TestPdfs.Make($"Glaciers {run} carve fjords", "over many thousands of years.");
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(pdf);
        file.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/pdf");
        form.Add(file, "file", $"glaciers-{run}.pdf");
        form.Add(new StringContent("ice"), "tags");
        form.Add(new StringContent("geology"), "tags");
        form.Add(new StringContent("Glaciers"), "title");

        using var uploadResponse = await _http.PostAsync("/api/v1/knowledge/documents", form);
        var uploaded = JsonDocument.Parse(await uploadResponse.Content.ReadAsStringAsync()).RootElement.Clone();
        var byJson = await PostJsonAsync("/api/v1/knowledge/documents", new JsonObject
        {
            ["source"] = $"moraines-{run}.pdf",
            ["data"] = Convert.ToBase64String(TestPdfs.Make($"Moraines {run} are heaps of rock a glacier left behind.")),
        });
        var found = await GetAsync($"/api/v1/knowledge/search?query={run}+fjords&tag=geology&mode=fulltext");
        var document = await GetAsync($"/api/v1/knowledge/documents/{Uri.EscapeDataString(uploaded.GetProperty("id").GetString()!)}");

        Assert.Equal(HttpStatusCode.OK, uploadResponse.StatusCode);
        Assert.Equal("added", uploaded.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, byJson.Status);
        Assert.Equal("added", byJson.Body.GetProperty("status").GetString());
        var hit = found.Body.GetProperty("results")[0];
        Assert.Equal(uploaded.GetProperty("id").GetString(), hit.GetProperty("id").GetString());
        Assert.Equal("Glaciers", hit.GetProperty("title").GetString());
        Assert.Equal($"glaciers-{run}.pdf", hit.GetProperty("source").GetString());
        Assert.Contains("carve fjords", document.Body.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal("application/pdf", document.Body.GetProperty("metadata").GetProperty("mimeType").GetString());
        Assert.Equal("ice,geology", document.Body.GetProperty("metadata").GetProperty("tags").GetString());
    }

    [Fact]
    public async Task Bad_uploads_get_problems_that_say_what_is_wrong()
    {
        // No file part.
        using var noFile = new MultipartFormDataContent { { new StringContent("x.pdf"), "source" } };
        // A file that is not the PDF its name says.
        using var notPdf = new MultipartFormDataContent { { new ByteArrayContent("plain words"u8.ToArray()), "file", "fake.pdf" } };
        // An unknown format.
        using var unknown = new MultipartFormDataContent { { new ByteArrayContent([1, 2, 3]), "file", "sheet.xlsx" } };
        // Over the body limit (the test server allows 64 KiB). Sent with `Expect: 100-continue`, as careful clients send
        // large bodies: the server refuses from the Content-Length before the body is sent (without it, a client still
        // writing when the refusal closes the connection can fail with a broken pipe instead of reading the answer).
        using var huge = new MultipartFormDataContent { { new ByteArrayContent(new byte[70_000]), "file", "huge.txt" } };
        // The same, sent without a length (chunked): refused while it is read.
        using var hugeStreamed = new MultipartFormDataContent { { new ByteArrayContent(new byte[70_000]), "file", "huge.txt" } };
        // A multipart body cut off before its closing boundary.
        using var cut = new ByteArrayContent(Encoding.ASCII.GetBytes("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nhello"));
        cut.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data; boundary=b");
        // More form fields than a form may hold (1024), in a body under the size limit.
        using var crowded = new ByteArrayContent(Encoding.ASCII.GetBytes(
            string.Concat(Enumerable.Repeat("--b\r\nContent-Disposition: form-data; name=\"t\"\r\n\r\nx\r\n", 1100)) + "--b--\r\n"));
        crowded.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data; boundary=b");

        // Neither JSON nor a form.
        using var plain = new StringContent("just text", Encoding.UTF8, "text/plain");

        var cases = new (string Name, HttpContent Content, HttpStatusCode Status, string Type, string Detail)[]
        {
            ("no file", noFile, HttpStatusCode.BadRequest, "invalid-params", "no file part named 'file'"),
            ("not a pdf", notPdf, HttpStatusCode.BadRequest, "invalid-params", "fake.pdf"),
            ("unknown format", unknown, HttpStatusCode.BadRequest, "invalid-params", ".xlsx"),
            ("too large", huge, HttpStatusCode.RequestEntityTooLarge, "too-large", "MaxRequestBodyBytes"),
            ("too large, streamed", hugeStreamed, HttpStatusCode.RequestEntityTooLarge, "too-large", "MaxRequestBodyBytes"),
            ("cut off", cut, HttpStatusCode.BadRequest, "invalid-request", "multipart/form-data"),
            ("too many fields", crowded, HttpStatusCode.BadRequest, "invalid-request", "count limit"),
            ("plain text", plain, HttpStatusCode.UnsupportedMediaType, "unsupported-media-type", "application/json"),
        };
        foreach (var (name, content, status, type, detail) in cases)
        {
            // A connection of its own each: the server closes one whose body it refused unread.
            using var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/knowledge/documents") { Content = content };
            request.Headers.TransferEncodingChunked = name.EndsWith("streamed", StringComparison.Ordinal);
            request.Headers.ExpectContinue = name == "too large";
            using var response = await http.SendAsync(request);
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.True(status == response.StatusCode, $"{name}: {(int)response.StatusCode} {body}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.EndsWith("/" + type, body.GetProperty("type").GetString(), StringComparison.Ordinal);
            Assert.True(body.GetProperty("detail").GetString()!.Contains(detail, StringComparison.Ordinal), $"{name}: {body}");
        }
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

    [Fact]
    public async Task GraphQL_ingests_a_pdf_from_base64_and_refuses_bad_data_as_a_tool_error()
    {
        var run = Guid.NewGuid().ToString("N");
        const string Mutation = "mutation($s: String!, $d: String) { ingestDocument(source: $s, data: $d) { id status chunks } }";
        var added = await GraphQLAsync(Mutation, new JsonObject { ["s"] = $"dunes-{run}.pdf", ["d"] = Convert.ToBase64String(TestPdfs.Make($"Dunes {run} migrate with the wind.")) });
        var found = await GraphQLAsync("query($q: String!) { search(query: $q, mode: \"fulltext\") { id } }", new JsonObject { ["q"] = $"dunes {run}" });
        var badData = await GraphQLAsync(Mutation, new JsonObject { ["s"] = "bad.pdf", ["d"] = "%%%" });
        var noContent = await GraphQLAsync(Mutation, new JsonObject { ["s"] = "none.pdf" });

        var outcome = added.GetProperty("data").GetProperty("ingestDocument");
        Assert.Equal("added", outcome.GetProperty("status").GetString());
        Assert.Equal(outcome.GetProperty("id").GetString(), found.GetProperty("data").GetProperty("search")[0].GetProperty("id").GetString());
        foreach (var (bad, says) in new[] { (badData, "not valid base64"), (noContent, "as text, or as data in base64") })
        {
            var error = bad.GetProperty("errors")[0];
            Assert.Equal("TOOL_ERROR", error.GetProperty("extensions").GetProperty("code").GetString());
            Assert.Contains(says, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        }
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
