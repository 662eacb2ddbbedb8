using System.Text.Json;
using ContextHub.Server.Tests.Infrastructure;

namespace ContextHub.Server.Tests.Schemas;

/// <summary>
/// The official TypeScript SDK client validates every <c>structuredContent</c> against the tool's <c>outputSchema</c>
/// (ajv) inside <c>callTool</c>: each knowledge tool, in each outcome, must pass that check (tests/js/ts-knowledge-client.mjs).
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class TypeScriptSchemaValidationTests(TestServer server)
{
    [Fact]
    public async Task Every_knowledge_tool_passes_the_clients_output_validation()
    {
        var (exitCode, output, error) = await NodeTools.RunAsync(Path.Combine(NodeTools.NodeBin, "node"),
            ["ts-knowledge-client.mjs", server.McpEndpoint.ToString()], TimeSpan.FromMinutes(2));

        Assert.True(exitCode == 0, $"ts-knowledge-client.mjs exited {exitCode}: {error}\n{output}");
        var seen = JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement;
        var withSchema = seen.GetProperty("withOutputSchema").EnumerateArray().Select(t => t.GetString()).ToList();
        Assert.Superset(new HashSet<string?> { "search", "fetch", "ingest", "ingest_many", "delete", "tool_calls" }, withSchema.ToHashSet());
        var calls = seen.GetProperty("calls").EnumerateArray().ToList();
        var rejected = calls.Where(c => !c.GetProperty("ok").GetBoolean()).Select(c => c.GetRawText()).ToList();
        Assert.True(rejected.Count == 0, "The client rejected:\n" + string.Join('\n', rejected));
        Assert.Equal(
            ["added", "duplicate", "updated"],
            calls.Where(c => c.GetProperty("name").GetString() == "ingest" && !c.GetProperty("isError").GetBoolean())
                .Select(c => c.GetProperty("structured").GetProperty("status").GetString()));
        Assert.True(calls.Single(c => c.GetProperty("name").GetString() == "ingest" && c.GetProperty("isError").GetBoolean()).GetProperty("isError").GetBoolean());
        Assert.Equal(
            ["added", "duplicate", "failed"],
            calls.Single(c => c.GetProperty("name").GetString() == "ingest_many").GetProperty("structured").GetProperty("documents")
                .EnumerateArray().Select(d => d.GetProperty("status").GetString()));
        var searches = calls.Where(c => c.GetProperty("name").GetString() == "search").ToList();
        var addedId = calls.First(c => c.GetProperty("name").GetString() == "ingest").GetProperty("structured").GetProperty("id").GetString();
        Assert.Contains(addedId, searches[0].GetProperty("structured").GetProperty("results").EnumerateArray().Select(r => r.GetProperty("id").GetString()));
        Assert.Equal(0, searches[1].GetProperty("structured").GetProperty("results").GetArrayLength());
        var fetches = calls.Where(c => c.GetProperty("name").GetString() == "fetch").ToList();
        Assert.False(fetches[0].GetProperty("isError").GetBoolean());
        Assert.True(fetches[1].GetProperty("isError").GetBoolean());
        Assert.Equal([true, false], calls.Where(c => c.GetProperty("name").GetString() == "delete")
            .Select(c => c.GetProperty("structured").GetProperty("deleted").GetBoolean()));
        Assert.True(calls.Single(c => c.GetProperty("name").GetString() == "tool_calls").GetProperty("structured").GetProperty("calls").GetArrayLength() > 0);
    }
}
