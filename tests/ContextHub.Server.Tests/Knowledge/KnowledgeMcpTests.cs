using System.Text.Json;
using ContextHub.Knowledge;
using ContextHub.Server.KnowledgeBase;
using ContextHub.Server.Tests.Infrastructure;
using ContextHub.Server.Tests.SdkClient;
using ContextHub.Tests;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace ContextHub.Server.Tests.Knowledge;

/// <summary>The knowledge store behind the MCP door: ingest, search, fetch, kb:// resources, delete, and the tool-call record.</summary>
[Collection(ServerCollection.Name)]
public sealed class KnowledgeMcpTests(TestServer server)
{
    [Fact]
    public async Task Ingested_text_is_searchable_fetchable_readable_and_deletable()
    {
        await using var client = await SdkClients.ConnectAsync(server, "2026-07-28");
        var source = "notes/" + Guid.NewGuid().ToString("N") + ".md";

        var ingested = await client.CallToolAsync("ingest", new Dictionary<string, object?>
        {
            ["source"] = source,
            ["text"] = "# Lighthouse keeping\n\nThe keeper trims the wick at dusk and polishes the great lens every morning.",
            ["tags"] = new[] { "maritime" },
        });
        var id = ingested.StructuredContent!.Value.GetProperty("id").GetString()!;
        var found = await client.CallToolAsync("search", new Dictionary<string, object?> { ["query"] = "polishes the lens", ["tags"] = new[] { "maritime" } });
        var filteredOut = await client.CallToolAsync("search", new Dictionary<string, object?> { ["query"] = "polishes the lens", ["tags"] = new[] { "aviation" } });
        var fetched = await client.CallToolAsync("fetch", new Dictionary<string, object?> { ["id"] = id });
        var resources = await client.ListResourcesAsync();
        var read = await client.ReadResourceAsync(KnowledgeUris.Document(id));

        Assert.Equal("added", ingested.StructuredContent!.Value.GetProperty("status").GetString());
        var hit = found.StructuredContent!.Value.GetProperty("results")[0];
        Assert.Equal(id, hit.GetProperty("id").GetString());
        Assert.Equal(KnowledgeUris.Document(id), hit.GetProperty("url").GetString());
        Assert.Contains("**", hit.GetProperty("snippet").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, filteredOut.StructuredContent!.Value.GetProperty("results").GetArrayLength());
        Assert.Contains("polishes the great lens", fetched.StructuredContent!.Value.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Contains(resources, r => r.Uri == KnowledgeUris.Document(id));
        Assert.Contains("trims the wick", Assert.IsType<TextResourceContents>(Assert.Single(read.Contents)).Text, StringComparison.Ordinal);

        var deleted = await client.CallToolAsync("delete", new Dictionary<string, object?> { ["id"] = id });
        var afterDelete = await client.CallToolAsync("search", new Dictionary<string, object?> { ["query"] = "polishes the lens", ["mode"] = "fulltext" });
        var gone = await Assert.ThrowsAsync<McpProtocolException>(() => client.ReadResourceAsync(KnowledgeUris.Document(id)).AsTask());

        Assert.True(deleted.StructuredContent!.Value.GetProperty("deleted").GetBoolean());
        Assert.DoesNotContain(afterDelete.StructuredContent!.Value.GetProperty("results").EnumerateArray(), r => r.GetProperty("id").GetString() == id);
        Assert.Equal(McpErrorCode.InvalidParams, gone.ErrorCode);
    }

    [Fact]
    public async Task The_same_text_under_another_source_is_a_duplicate_and_bad_input_is_a_tool_error()
    {
        await using var client = await SdkClients.ConnectAsync(server, "2025-11-25");
        var text = "Unique text " + Guid.NewGuid().ToString("N");

        var first = await client.CallToolAsync("ingest", new Dictionary<string, object?> { ["source"] = "a-" + text, ["text"] = text });
        var second = await client.CallToolAsync("ingest", new Dictionary<string, object?> { ["source"] = "b-" + text, ["text"] = text });
        var empty = await client.CallToolAsync("ingest", new Dictionary<string, object?> { ["source"] = "empty.txt", ["text"] = "   " });
        var badMode = await client.CallToolAsync("search", new Dictionary<string, object?> { ["query"] = "x", ["mode"] = "telepathy" });
        var missing = await client.CallToolAsync("fetch", new Dictionary<string, object?> { ["id"] = "no-such-document" });

        Assert.Equal("added", first.StructuredContent!.Value.GetProperty("status").GetString());
        Assert.Equal("duplicate", second.StructuredContent!.Value.GetProperty("status").GetString());
        Assert.Equal(first.StructuredContent!.Value.GetProperty("id").GetString(), second.StructuredContent!.Value.GetProperty("duplicateOf").GetString());
        Assert.True(empty.IsError);
        Assert.True(badMode.IsError);
        Assert.Contains("telepathy", Assert.IsType<TextContentBlock>(Assert.Single(badMode.Content)).Text, StringComparison.Ordinal);
        Assert.True(missing.IsError);
    }

    [Fact]
    public async Task A_pdf_sent_as_base64_data_is_ingested_and_bad_data_is_a_tool_error()
    {
        await using var client = await SdkClients.ConnectAsync(server, "2025-11-25");
        var run = Guid.NewGuid().ToString("N");
        var pdf = Convert.ToBase64String(TestPdfs.Make($"Tardigrades {run} survive the vacuum of space."));

        var ingested = await client.CallToolAsync("ingest", new Dictionary<string, object?> { ["source"] = $"papers/{run}.pdf", ["data"] = pdf });
        var found = await client.CallToolAsync("search", new Dictionary<string, object?> { ["query"] = $"tardigrades {run}", ["mode"] = "fulltext" });
        var both = await client.CallToolAsync("ingest", new Dictionary<string, object?> { ["source"] = "x.pdf", ["text"] = "a", ["data"] = pdf });
        var neither = await client.CallToolAsync("ingest", new Dictionary<string, object?> { ["source"] = "x.pdf" });
        var notBase64 = await client.CallToolAsync("ingest", new Dictionary<string, object?> { ["source"] = "x.pdf", ["data"] = "***" });
        var unnamedFormat = await client.CallToolAsync("ingest", new Dictionary<string, object?> { ["source"] = $"blob-{run}", ["data"] = Convert.ToBase64String(new byte[] { 0, 1, 2 }) });

        Assert.Equal("added", ingested.StructuredContent!.Value.GetProperty("status").GetString());
        Assert.Equal(ingested.StructuredContent!.Value.GetProperty("id").GetString(), found.StructuredContent!.Value.GetProperty("results")[0].GetProperty("id").GetString());
        foreach (var (result, says) in new[] { (both, "not both"), (neither, "as text, or as data in base64"), (notBase64, "not valid base64"), (unnamedFormat, "unknown format") })
        {
            Assert.True(result.IsError, says);
            Assert.Contains(says, Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Ingesting_many_documents_reports_progress_and_goes_on_past_a_bad_one()
    {
        // Raw HTTP: the SDK client may drop progress that arrives together with the result; the stream itself must hold it.
        var run = Guid.NewGuid().ToString("N");
        var body = new System.Text.Json.Nodes.JsonObject
        {
            ["jsonrpc"] = "2.0",
            ["id"] = 1,
            ["method"] = "tools/call",
            ["params"] = new System.Text.Json.Nodes.JsonObject
            {
                ["name"] = "ingest_many",
                ["arguments"] = new System.Text.Json.Nodes.JsonObject
                {
                    ["documents"] = new System.Text.Json.Nodes.JsonArray(
                        new System.Text.Json.Nodes.JsonObject { ["source"] = $"{run}/one.txt", ["text"] = "Otters hold hands while they sleep." },
                        new System.Text.Json.Nodes.JsonObject { ["source"] = $"{run}/empty.txt", ["text"] = "" },
                        new System.Text.Json.Nodes.JsonObject { ["source"] = $"{run}/three.md", ["text"] = "# Crows\n\nCrows remember faces." },
                        new System.Text.Json.Nodes.JsonObject { ["source"] = $"{run}/four.pdf", ["data"] = "@@not base64@@" },
                        new System.Text.Json.Nodes.JsonObject { ["source"] = $"{run}/five.pdf", ["data"] = Convert.ToBase64String(TestPdfs.Make("Moles dig tunnels.")) }),
                },
                ["_meta"] = new System.Text.Json.Nodes.JsonObject
                {
                    ["progressToken"] = "ingest",
                    ["io.modelcontextprotocol/protocolVersion"] = "2026-07-28",
                    ["io.modelcontextprotocol/clientCapabilities"] = new System.Text.Json.Nodes.JsonObject(),
                },
            },
        };
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, server.McpEndpoint)
        {
            Content = new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        request.Headers.Add("Mcp-Method", "tools/call");
        request.Headers.Add("Mcp-Name", "ingest_many");

        using var response = await http.SendAsync(request);
        var events = (await response.Content.ReadAsStringAsync()).Split('\n')
            .Where(l => l.StartsWith("data: ", StringComparison.Ordinal))
            .Select(l => JsonDocument.Parse(l[6..]).RootElement.Clone()).ToList();

        Assert.Equal([1, 2, 3, 4, 5], events.Take(5).Select(e => e.GetProperty("params").GetProperty("progress").GetInt32()));
        var documents = events[5].GetProperty("result").GetProperty("structuredContent").GetProperty("documents");
        Assert.Equal(["added", "failed", "added", "failed", "added"], documents.EnumerateArray().Select(d => d.GetProperty("status").GetString()));
        Assert.False(string.IsNullOrEmpty(documents[1].GetProperty("error").GetString()));
        Assert.Contains("not valid base64", documents[3].GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_tool_call_is_recorded_in_the_metadata_index()
    {
        await using var client = await SdkClients.ConnectAsync(server, "2026-07-28");
        var marker = Guid.NewGuid().ToString("N");

        await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = marker });

        var store = server.Services.GetRequiredService<KnowledgeHost>().Service.Store.Metadata;
        ToolCallRecord? record = null;
        for (var i = 0; i < 100 && record is null; i++)
        {
            record = (await store.GetToolCallsAsync(new ToolCallQuery { Tool = "echo", Limit = 50 })).FirstOrDefault(r => r.Result?.Contains(marker, StringComparison.Ordinal) == true);
            await Task.Delay(record is null ? 50 : 0);
        }

        Assert.NotNull(record);
        Assert.Equal(ToolCallOutcome.Success, record.Outcome);
        Assert.Equal("anonymous@streamablehttp", record.Caller);
        Assert.Equal(64, record.ArgumentsHash.Length);

        var listed = await client.CallToolAsync("tool_calls", new Dictionary<string, object?> { ["tool"] = "echo", ["outcome"] = "success" });
        Assert.Contains(listed.StructuredContent!.Value.GetProperty("calls").EnumerateArray(),
            c => c.GetProperty("result").GetString()!.Contains(marker, StringComparison.Ordinal));
    }
}
