using System.Net;
using System.Text.Json;
using ContextHub.Server.Tests.Http;
using ContextHub.Server.Tests.Rest;

namespace ContextHub.Server.Tests.Security;

/// <summary>What a caller may do: scopes per tool, resource, prompt and knowledge operation, on every door; sessions and rate limits per caller.</summary>
[Collection(SecureServerCollection.Name)]
public sealed class AuthorizationTests(SecureServer server) : IDisposable
{
    private readonly McpHttpClient _mcp = new(server.McpEndpoint);
    private readonly RestClient _rest = new(server.BaseAddress);

    private static string Request(string method, string parameters) =>
        "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"" + method + "\",\"params\":" + parameters.Trim()[..^1]
        + (parameters.Trim() == "{}" ? "" : ",") + "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\",\"io.modelcontextprotocol/clientCapabilities\":{}}}}";

    private Task<(HttpResponseMessage Response, JsonElement Body)> SendAsync(string credential, string method, string parameters, string? name = null) =>
        _mcp.PostAsync(Request(method, parameters), r =>
        {
            r.Headers.Add("Mcp-Method", method);
            r.Headers.Add("MCP-Protocol-Version", McpHttpClient.Stateless);
            if (name is not null)
            {
                r.Headers.Add("Mcp-Name", name);
            }

            SecureServer.Bearer(credential)(r);
        });

    private static List<string> Names(JsonElement body, string list, string field) =>
        [.. body.GetProperty("result").GetProperty(list).EnumerateArray().Select(e => e.GetProperty(field).GetString()!)];

    [Fact]
    public async Task Lists_show_only_what_the_caller_may_use()
    {
        var narrow = server.NewKey("tools:echo");
        var wide = server.NewKey("tools:echo", "tools:hash", "resources:samples", "prompts:review", "kb:read", "kb:write");

        var narrowTools = Names((await SendAsync(narrow, "tools/list", "{}")).Body, "tools", "name");
        Assert.Contains("echo", narrowTools);
        Assert.Contains("current_time", narrowTools); // no rule: anyone authenticated
        Assert.DoesNotContain("hash", narrowTools);
        Assert.DoesNotContain("search", narrowTools);
        Assert.DoesNotContain("ingest_many", narrowTools);
        var wideTools = Names((await SendAsync(wide, "tools/list", "{}")).Body, "tools", "name");
        Assert.Contains("hash", wideTools);
        Assert.Contains("search", wideTools);

        Assert.DoesNotContain(Names((await SendAsync(narrow, "resources/list", "{}")).Body, "resources", "uri"), u => u.StartsWith("res://samples/", StringComparison.Ordinal));
        Assert.Contains(Names((await SendAsync(wide, "resources/list", "{}")).Body, "resources", "uri"), u => u.StartsWith("res://samples/", StringComparison.Ordinal));
        Assert.DoesNotContain("code_review", Names((await SendAsync(narrow, "prompts/list", "{}")).Body, "prompts", "name"));
        Assert.Contains("code_review", Names((await SendAsync(wide, "prompts/list", "{}")).Body, "prompts", "name"));
    }

    [Fact]
    public async Task Using_what_is_not_allowed_is_forbidden_the_same_way_whether_it_exists_or_not()
    {
        var key = server.NewKey("tools:echo");
        var (existing, existingBody) = await SendAsync(key, "tools/call", """{"name":"hash","arguments":{"text":"x"}}""", "hash");
        var (missing, missingBody) = await SendAsync(key, "tools/call", """{"name":"hashy_nothing","arguments":{}}""", "hashy_nothing");
        Assert.Equal(HttpStatusCode.Forbidden, existing.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, missing.StatusCode);
        Assert.Equal(-32003, existingBody.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(existingBody.GetProperty("error").GetProperty("message").GetString(), missingBody.GetProperty("error").GetProperty("message").GetString());

        var (resource, resourceBody) = await SendAsync(key, "resources/read", """{"uri":"res://samples/README.md"}""", "res://samples/README.md");
        Assert.Equal(HttpStatusCode.Forbidden, resource.StatusCode);
        Assert.DoesNotContain("contents", resourceBody.GetRawText(), StringComparison.Ordinal);
        var (prompt, _) = await SendAsync(key, "prompts/get", """{"name":"code_review","arguments":{"code":"x"}}""", "code_review");
        Assert.Equal(HttpStatusCode.Forbidden, prompt.StatusCode);
        var (completion, _) = await SendAsync(key, "completion/complete", """{"ref":{"type":"ref/prompt","name":"code_review"},"argument":{"name":"language","value":""}}""");
        Assert.Equal(HttpStatusCode.Forbidden, completion.StatusCode);

        var rest = await _rest.PostJsonAsync("/api/v1/tools/hash/call", """{"text":"x"}""", SecureServer.Bearer(key));
        rest.AssertProblem(HttpStatusCode.Forbidden, "forbidden");
        var restSearch = await _rest.GetAsync("/api/v1/knowledge/search?query=anything", SecureServer.Bearer(key));
        Assert.Equal(HttpStatusCode.Forbidden, restSearch.Status);

        var graphql = await _rest.PostJsonAsync("/graphql", """{"query":"mutation { callTool(name: \"hash\", arguments: {text: \"x\"}) { isError } }"}""", SecureServer.Bearer(key));
        Assert.Equal(HttpStatusCode.OK, graphql.Status);
        Assert.Equal("FORBIDDEN", graphql.Body.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_dot_segment_cannot_walk_out_of_an_allowed_resource_pattern()
    {
        var key = server.NewKey("resources:samples");
        var (response, body) = await SendAsync(key, "resources/read", """{"uri":"res://samples/../samples/README.md"}""", "res://samples/../samples/README.md");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(-32003, body.GetProperty("error").GetProperty("code").GetInt32());
        var (encoded, _) = await SendAsync(key, "resources/read", """{"uri":"res://samples/%2e%2e/samples/README.md"}""", "res://samples/%2e%2e/samples/README.md");
        Assert.Equal(HttpStatusCode.Forbidden, encoded.StatusCode);
        var (plain, _) = await SendAsync(key, "resources/read", """{"uri":"res://samples/README.md"}""", "res://samples/README.md");
        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
    }

    [Fact]
    public async Task Another_callers_session_id_is_refused_like_an_unknown_one()
    {
        var owner = server.NewKey("tools:echo");
        var stranger = server.NewKey("tools:echo");
        const string Initialize = """{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}""";
        var (init, _) = await _mcp.PostAsync(Initialize, SecureServer.Bearer(owner));
        var session = init.Headers.GetValues("Mcp-Session-Id").Single();
        const string Ping = """{"jsonrpc":"2.0","id":1,"method":"ping"}""";

        var (own, _) = await _mcp.PostAsync(Ping, r => { SecureServer.Bearer(owner)(r); r.Headers.Add("Mcp-Session-Id", session); });
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        var (foreign, foreignBody) = await _mcp.PostAsync(Ping, r => { SecureServer.Bearer(stranger)(r); r.Headers.Add("Mcp-Session-Id", session); });
        var (unknown, unknownBody) = await _mcp.PostAsync(Ping, r => { SecureServer.Bearer(stranger)(r); r.Headers.Add("Mcp-Session-Id", "0123456789abcdef0123456789abcdef"); });
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        Assert.Equal(unknown.StatusCode, foreign.StatusCode);
        Assert.Equal(unknownBody.GetProperty("error").GetProperty("message").GetString(), foreignBody.GetProperty("error").GetProperty("message").GetString());

        using var delete = new HttpRequestMessage(HttpMethod.Delete, server.McpEndpoint);
        SecureServer.Bearer(stranger)(delete);
        delete.Headers.Add("Mcp-Session-Id", session);
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.NotFound, (await http.SendAsync(delete)).StatusCode);
        var (still, _) = await _mcp.PostAsync(Ping, r => { SecureServer.Bearer(owner)(r); r.Headers.Add("Mcp-Session-Id", session); });
        Assert.Equal(HttpStatusCode.OK, still.StatusCode);
    }

    [Fact]
    public async Task Over_the_rate_limit_a_caller_gets_429_with_retry_after_and_other_callers_do_not()
    {
        var busy = server.NewKey("tools:echo");
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await SendAsync(busy, "tools/call", """{"name":"echo","arguments":{"message":"x"}}""", "echo")).Response.StatusCode);
        }

        var (limited, body) = await SendAsync(busy, "tools/call", """{"name":"echo","arguments":{"message":"x"}}""", "echo");
        Assert.Equal((HttpStatusCode)429, limited.StatusCode);
        var retry = limited.Headers.RetryAfter?.Delta;
        Assert.NotNull(retry);
        Assert.InRange(retry.Value.TotalSeconds, 1, 60);
        Assert.Equal(-32029, body.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal((int)retry.Value.TotalSeconds, body.GetProperty("error").GetProperty("data").GetProperty("retryAfterSeconds").GetInt32());

        var rest = await _rest.PostJsonAsync("/api/v1/tools/echo/call", """{"message":"x"}""", SecureServer.Bearer(busy));
        rest.AssertProblem((HttpStatusCode)429, "rate-limited");
        Assert.NotNull(rest.Headers.RetryAfter);

        // Another tool of the same caller, and the same tool of another caller, are within their limits.
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(busy, "tools/call", """{"name":"current_time","arguments":{}}""", "current_time")).Response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(server.NewKey("tools:echo"), "tools/call", """{"name":"echo","arguments":{"message":"x"}}""", "echo")).Response.StatusCode);
    }

    [Fact]
    public async Task A_caller_may_run_only_so_many_tool_calls_at_once()
    {
        var key = server.NewKey("*");
        // The slow calls go first, each given time to take its slot, so no quick probe below can take one before them.
        var slow = new List<Task<(HttpResponseMessage Response, JsonElement Body)>>();
        for (var i = 0; i < 2; i++)
        {
            slow.Add(SendAsync(key, "tools/call", """{"name":"countdown","arguments":{"from":6,"intervalMs":500}}""", "countdown"));
            await Task.Delay(400);
        }

        // While the two slow calls hold both slots (once both have started), a third call is refused.
        // Quick tools in turn, so the per-tool rate limit (5 a minute here) does not answer first.
        (string Name, string Arguments)[] quick = [("current_time", "{}"), ("text_stats", """{"text":"a"}"""), ("echo", """{"message":"a"}""")];
        HttpResponseMessage third;
        JsonElement body;
        var attempt = 0;
        do
        {
            var (name, arguments) = quick[attempt++ % quick.Length];
            (third, body) = await SendAsync(key, "tools/call", "{\"name\":\"" + name + "\",\"arguments\":" + arguments + "}", name);
        }
        while (third.StatusCode == HttpStatusCode.OK && !slow.All(c => c.IsCompleted) && attempt < 15);

        Assert.Equal((HttpStatusCode)429, third.StatusCode);
        Assert.Contains("MaxConcurrentToolCalls", body.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        foreach (var call in slow)
        {
            Assert.Equal(HttpStatusCode.OK, (await call).Response.StatusCode);
        }

        // The slots come back when the calls end.
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(key, "tools/call", """{"name":"current_time","arguments":{}}""", "current_time")).Response.StatusCode);
    }

    [Fact]
    public async Task Access_tags_limit_search_and_fetch_inside_the_query()
    {
        var writer = server.NewKey("kb:write", "kb:read", "knowledge:access:*");
        var word = "zebrafinch" + Guid.NewGuid().ToString("N")[..6];
        var ingest = "{\"name\":\"ingest_many\",\"arguments\":{\"documents\":["
            + "{\"source\":\"hr/" + word + "-salaries.md\",\"text\":\"# Salaries\\n\\n" + word + " " + word + " " + word + " salaries of everyone.\",\"tags\":[\"access:hr\"]},"
            + "{\"source\":\"pub/" + word + "-handbook.md\",\"text\":\"# Handbook\\n\\nThe " + word + " handbook for all.\"}]}}";
        var (ingested, ingestBody) = await SendAsync(writer, "tools/call", ingest, "ingest_many");
        Assert.Equal(HttpStatusCode.OK, ingested.StatusCode);
        var ids = ingestBody.GetProperty("result").GetProperty("structuredContent").GetProperty("documents").EnumerateArray().Select(d => d.GetProperty("id").GetString()!).ToList();

        var reader = server.NewKey("kb:read");
        var hr = server.NewKey("kb:read", "knowledge:access:hr");
        var search = "{\"name\":\"search\",\"arguments\":{\"query\":\"" + word + "\",\"limit\":1,\"mode\":\"fulltext\"}}";
        var readerHits = (await SendAsync(reader, "tools/call", search, "search")).Body.GetProperty("result").GetProperty("structuredContent").GetProperty("results");
        // The restricted document scores higher; with the clause inside the query, limit 1 still finds the open one.
        Assert.Equal(ids[1], Assert.Single(readerHits.EnumerateArray()).GetProperty("id").GetString());
        var hrHits = (await SendAsync(hr, "tools/call", search, "search")).Body.GetProperty("result").GetProperty("structuredContent").GetProperty("results");
        Assert.Equal(ids[0], Assert.Single(hrHits.EnumerateArray()).GetProperty("id").GetString());

        var fetchHidden = await SendAsync(reader, "tools/call", "{\"name\":\"fetch\",\"arguments\":{\"id\":\"" + ids[0] + "\"}}", "fetch");
        var fetchMissing = await SendAsync(reader, "tools/call", "{\"name\":\"fetch\",\"arguments\":{\"id\":\"no-such-document\"}}", "fetch");
        Assert.True(fetchHidden.Body.GetProperty("result").GetProperty("isError").GetBoolean());
        Assert.DoesNotContain("salaries", fetchHidden.Body.GetRawText(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(
            fetchMissing.Body.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString()!.Replace("no-such-document", "ID", StringComparison.Ordinal),
            fetchHidden.Body.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString()!.Replace(ids[0], "ID", StringComparison.Ordinal));
        var fetchAllowed = await SendAsync(hr, "tools/call", "{\"name\":\"fetch\",\"arguments\":{\"id\":\"" + ids[0] + "\"}}", "fetch");
        Assert.Contains("salaries", fetchAllowed.Body.GetRawText(), StringComparison.OrdinalIgnoreCase);

        var readHidden = await SendAsync(reader, "resources/read", "{\"uri\":\"kb://documents/" + Uri.EscapeDataString(ids[0]) + "\"}", "kb://documents/" + Uri.EscapeDataString(ids[0]));
        Assert.True(readHidden.Body.TryGetProperty("error", out _), readHidden.Body.GetRawText());
        Assert.DoesNotContain("salaries", readHidden.Body.GetRawText(), StringComparison.OrdinalIgnoreCase);
        var deleteHidden = await SendAsync(server.NewKey("kb:write"), "tools/call", "{\"name\":\"delete\",\"arguments\":{\"id\":\"" + ids[0] + "\"}}", "delete");
        Assert.False(deleteHidden.Body.GetProperty("result").GetProperty("structuredContent").GetProperty("deleted").GetBoolean());
    }

    [Fact]
    public async Task A_task_started_through_rest_belongs_to_its_caller()
    {
        var owner = server.NewKey("*");
        var other = server.NewKey("*");
        using var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        HttpRequestMessage As(string key, HttpMethod method, string path, string? body = null)
        {
            var request = new HttpRequestMessage(method, path);
            if (body is not null)
            {
                request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
            }

            SecureServer.Bearer(key)(request);
            return request;
        }

        using var started = await http.SendAsync(As(owner, HttpMethod.Post, "/api/v1/tools/countdown/call?task=true", """{"from":100,"intervalMs":2000}"""));
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var location = started.Headers.Location!.OriginalString;

        // Another identity's task id is an unknown one: not readable, not cancellable.
        using var read = await http.SendAsync(As(other, HttpMethod.Get, location));
        using var cancel = await http.SendAsync(As(other, HttpMethod.Delete, location));
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, cancel.StatusCode);

        // GET /tasks lists the caller's own tasks only, with the tool's name and status.
        var taskId = location[(location.LastIndexOf('/') + 1)..];
        using var ownList = await http.SendAsync(As(owner, HttpMethod.Get, "/api/v1/tasks"));
        using var otherList = await http.SendAsync(As(other, HttpMethod.Get, "/api/v1/tasks"));
        Assert.Equal(HttpStatusCode.OK, ownList.StatusCode);
        var listed = Assert.Single(JsonDocument.Parse(await ownList.Content.ReadAsStringAsync()).RootElement.GetProperty("tasks").EnumerateArray());
        Assert.Equal(taskId, listed.GetProperty("taskId").GetString());
        Assert.Equal("countdown", listed.GetProperty("toolName").GetString());
        Assert.Equal("working", listed.GetProperty("status").GetString());
        Assert.Equal(0, JsonDocument.Parse(await otherList.Content.ReadAsStringAsync()).RootElement.GetProperty("tasks").GetArrayLength());

        using var own = await http.SendAsync(As(owner, HttpMethod.Get, location));
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal("working", JsonDocument.Parse(await own.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString());
        using var ended = await http.SendAsync(As(owner, HttpMethod.Delete, location));
        Assert.Equal(HttpStatusCode.NoContent, ended.StatusCode);
    }

    public void Dispose()
    {
        _mcp.Dispose();
        _rest.Dispose();
    }
}
