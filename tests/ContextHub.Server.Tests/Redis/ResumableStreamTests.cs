using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace ContextHub.Server.Tests.Redis;

/// <summary>
/// SSE resumability across replicas: a session's GET stream cut on one replica and reopened on the other with
/// <c>Last-Event-ID</c> gets every event it missed, in order, and none twice.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class ResumableStreamTests(ScaleOutCluster cluster) : IClassFixture<ScaleOutCluster>
{
    [Fact]
    public async Task A_stream_cut_on_one_replica_resumes_on_the_other_with_nothing_lost_or_doubled()
    {
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        var sessionId = await StreamTestClient.InitializeAsync(http, cluster.A.McpEndpoint);
        var uri = "kb://documents/" + await StreamTestClient.IngestAsync(http, cluster.B.McpEndpoint, sessionId, "resume/watched.md", "version 0");
        await StreamTestClient.PostOkAsync(http, cluster.B.McpEndpoint, sessionId,
            """{"jsonrpc":"2.0","id":3,"method":"resources/subscribe","params":{"uri":""" + JsonSerializer.Serialize(uri) + "}}");

        // A stream on A hears three changes made through B.
        var seen = new List<(string? Id, JsonElement Message)>();
        using (var first = await StreamTestClient.OpenStreamAsync(http, cluster.A.McpEndpoint, sessionId, lastEventId: null))
        using (var reader = new SseReader(await first.Content.ReadAsStreamAsync()))
        {
            for (var i = 1; i <= 3; i++)
            {
                await StreamTestClient.IngestAsync(http, cluster.B.McpEndpoint, sessionId, "resume/watched.md", $"version {i}");
            }

            while (seen.Count(e => IsUpdate(e.Message)) < 3 && await reader.NextAsync(TimeSpan.FromSeconds(10)) is { } next)
            {
                seen.Add(next);
            }
        }

        Assert.Equal(3, seen.Count(e => IsUpdate(e.Message)));
        Assert.All(seen, e => Assert.NotNull(e.Id));

        // The stream is cut. Three more changes happen while the client is away.
        for (var i = 4; i <= 6; i++)
        {
            await StreamTestClient.IngestAsync(http, cluster.A.McpEndpoint, sessionId, "resume/watched.md", $"version {i}");
        }

        // Reopened on B with the last id seen: exactly the missed events, in order; then live ones, once.
        var missed = new List<(string? Id, JsonElement Message)>();
        using (var second = await StreamTestClient.OpenStreamAsync(http, cluster.B.McpEndpoint, sessionId, lastEventId: seen[^1].Id))
        using (var reader = new SseReader(await second.Content.ReadAsStreamAsync()))
        {
            missed.AddRange(await reader.DrainAsync(TimeSpan.FromSeconds(2)));
            await StreamTestClient.IngestAsync(http, cluster.A.McpEndpoint, sessionId, "resume/watched.md", "version 7");
            missed.AddRange(await reader.DrainAsync(TimeSpan.FromSeconds(2)));
        }

        Assert.True(4 == missed.Count(e => IsUpdate(e.Message)), // versions 4, 5, 6 replayed, 7 live
            string.Join("\n", seen.Concat([(null, default)]).Concat(missed).Select(e => $"{e.Id} {(e.Message.ValueKind == JsonValueKind.Undefined ? "--- cut ---" : e.Message.GetRawText())}")));
        Assert.Equal(seen.Count + missed.Count, seen.Concat(missed).Select(e => e.Id).Distinct().Count()); // nothing doubled
        var ids = seen.Concat(missed).Select(e => e.Id!).ToList();
        for (var i = 1; i < ids.Count; i++)
        {
            Assert.True(ContextHub.Sessions.SessionEventIds.IsAfter(ids[i], ids[i - 1]), $"event {ids[i]} came after {ids[i - 1]}");
        }
    }

    [Fact]
    public async Task An_unknown_last_event_id_replays_nothing_and_the_stream_goes_on()
    {
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        var sessionId = await StreamTestClient.InitializeAsync(http, cluster.A.McpEndpoint);
        using var stream = await StreamTestClient.OpenStreamAsync(http, cluster.B.McpEndpoint, sessionId, lastEventId: "not-an-id");
        Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
        using var reader = new SseReader(await stream.Content.ReadAsStreamAsync());
        Assert.Empty(await reader.DrainAsync(TimeSpan.FromSeconds(1)));
        await StreamTestClient.IngestAsync(http, cluster.A.McpEndpoint, sessionId, "resume/other.md", "something new");
        var live = await reader.NextAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("notifications/resources/list_changed", live!.Value.Message.GetProperty("method").GetString());
    }

    private static bool IsUpdate(JsonElement message) => message.GetProperty("method").GetString() == "notifications/resources/updated";
}

/// <summary>Raw Streamable HTTP requests of a session client (2025-11-25).</summary>
internal static class StreamTestClient
{
    public static async Task<string> InitializeAsync(HttpClient http, Uri endpoint)
    {
        using var response = await ScaleOutTests.PostAsync(http, endpoint,
            """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sessionId = response.Headers.GetValues("Mcp-Session-Id").Single();
        await PostOkAsync(http, endpoint, sessionId, """{"jsonrpc":"2.0","method":"notifications/initialized"}""");
        return sessionId;
    }

    public static async Task<string> PostOkAsync(HttpClient http, Uri endpoint, string sessionId, string json)
    {
        using var response = await ScaleOutTests.PostAsync(http, endpoint, json, sessionId);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        return body;
    }

    public static async Task<string> IngestAsync(HttpClient http, Uri endpoint, string sessionId, string source, string text)
    {
        var body = await PostOkAsync(http, endpoint, sessionId, JsonSerializer.Serialize(new
        {
            jsonrpc = "2.0",
            id = 2,
            method = "tools/call",
            @params = new { name = "ingest", arguments = new { source, text } },
        }));
        var json = body.StartsWith('{') ? body : body.Split('\n').Last(l => l.StartsWith("data: ", StringComparison.Ordinal))[6..];
        return JsonDocument.Parse(json).RootElement.GetProperty("result").GetProperty("structuredContent").GetProperty("id").GetString()!;
    }

    public static async Task<HttpResponseMessage> OpenStreamAsync(HttpClient http, Uri endpoint, string sessionId, string? lastEventId)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, endpoint);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        request.Headers.Add("Mcp-Session-Id", sessionId);
        request.Headers.Add("MCP-Protocol-Version", "2025-11-25");
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response;
    }
}
