using System.Net;
using System.Text;
using System.Text.Json;
using ContextHub.Server.Tests.Infrastructure;

namespace ContextHub.Server.Tests.Http;

/// <summary>The stateless revision's HTTP rules, sent by hand.</summary>
[Collection(ServerCollection.Name)]
public sealed class StatelessHttpTests(TestServer server) : IDisposable
{
    private readonly McpHttpClient _client = new(server.McpEndpoint);

    [Fact]
    public async Task Requests_without_the_required_meta_get_32602_and_400()
    {
        var (noMeta, noMetaBody) = await _client.PostAsync("""{"jsonrpc":"2.0","id":7,"method":"tools/list","params":{}}""",
            r => { r.Headers.Add("MCP-Protocol-Version", "2026-07-28"); r.Headers.Add("Mcp-Method", "tools/list"); });
        var (noCaps, noCapsBody) = await _client.PostAsync(
            """{"jsonrpc":"2.0","id":8,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}""",
            r => { r.Headers.Add("MCP-Protocol-Version", "2026-07-28"); r.Headers.Add("Mcp-Method", "tools/list"); });

        Assert.Equal(HttpStatusCode.BadRequest, noMeta.StatusCode);
        Assert.Equal(-32602, ErrorCode(noMetaBody));
        Assert.Equal(7, noMetaBody.GetProperty("id").GetInt32());
        Assert.Equal(HttpStatusCode.BadRequest, noCaps.StatusCode);
        Assert.Equal(-32602, ErrorCode(noCapsBody));
        Assert.Equal("_meta.io.modelcontextprotocol/clientCapabilities", noCapsBody.GetProperty("error").GetProperty("data").GetProperty("path").GetString());
    }

    [Fact]
    public async Task Every_result_says_it_is_complete_and_lists_carry_cache_hints()
    {
        var (_, tools) = await _client.CallStatelessAsync("tools/list", "{}");
        var (_, discover) = await _client.CallStatelessAsync("server/discover", "{}");

        Assert.Equal("complete", tools.GetProperty("result").GetProperty("resultType").GetString());
        Assert.Equal(0, tools.GetProperty("result").GetProperty("ttlMs").GetInt32());
        Assert.Equal("public", tools.GetProperty("result").GetProperty("cacheScope").GetString());
        Assert.Equal("ContextHub", discover.GetProperty("result").GetProperty("_meta").GetProperty("io.modelcontextprotocol/serverInfo").GetProperty("name").GetString());
        Assert.Contains("2026-07-28", discover.GetProperty("result").GetProperty("supportedVersions").EnumerateArray().Select(v => v.GetString()));
    }

    [Fact]
    public async Task A_streaming_tool_answers_as_sse_with_every_progress_notification_before_the_result()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, server.McpEndpoint)
        {
            Content = new StringContent(
                """{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"countdown","arguments":{"from":3,"intervalMs":1},"_meta":{"progressToken":"p","io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}""",
                Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Accept", "application/json, text/event-stream");
        request.Headers.Add("Mcp-Method", "tools/call");
        request.Headers.Add("Mcp-Name", "countdown");

        var response = await _client.SendAsync(request);
        var events = (await response.Content.ReadAsStringAsync()).Split('\n')
            .Where(l => l.StartsWith("data: ", StringComparison.Ordinal))
            .Select(l => JsonDocument.Parse(l[6..]).RootElement).ToList();

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(5, events.Count);
        Assert.Equal([0, 1, 2, 3], events.Take(4).Select(e => e.GetProperty("params").GetProperty("progress").GetInt32()));
        Assert.All(events.Take(4), e => Assert.Equal("p", e.GetProperty("params").GetProperty("progressToken").GetString()));
        Assert.Equal("complete", events[4].GetProperty("result").GetProperty("resultType").GetString());
    }

    [Fact]
    public async Task A_client_that_accepts_only_json_gets_json_without_the_notifications()
    {
        var (response, body) = await _client.PostAsync(
            """{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"countdown","arguments":{"from":2,"intervalMs":1},"_meta":{"progressToken":"p","io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}""",
            r => { r.Headers.Add("Mcp-Method", "tools/call"); r.Headers.Add("Mcp-Name", "countdown"); },
            accept: "application/json");

        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Counted down from 2.", body.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());
    }

    private static int ErrorCode(JsonElement body) => body.GetProperty("error").GetProperty("code").GetInt32();

    public void Dispose() => _client.Dispose();
}
