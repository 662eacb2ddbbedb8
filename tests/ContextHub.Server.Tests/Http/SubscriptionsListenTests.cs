using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ContextHub.Server.Tests.Infrastructure;

namespace ContextHub.Server.Tests.Http;

/// <summary><c>subscriptions/listen</c> (stateless revision): an acknowledged stream of the notifications the client asked for.</summary>
[Collection(ServerCollection.Name)]
public sealed class SubscriptionsListenTests(TestServer server) : IDisposable
{
    private readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan };
    private readonly McpHttpClient _client = new(server.McpEndpoint);

    [Fact]
    public async Task Streams_acknowledgement_then_only_the_requested_changes_tagged_with_the_subscription()
    {
        var file = Path.Combine(server.ResourcesFolder, "listened.txt");
        await File.WriteAllTextAsync(file, "v1");
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await using var events = await ListenAsync("""{"toolsListChanged":true,"resourceSubscriptions":["res://samples/listened.txt"]}""", "listen-1", cancel.Token);

        var ack = await events.NextAsync(cancel.Token);
        await _client.CallStatelessAsync("tools/call", """{"name":"test_trigger_prompt_change","arguments":{}}""", "test_trigger_prompt_change");
        await _client.CallStatelessAsync("tools/call", """{"name":"test_trigger_tool_change","arguments":{}}""", "test_trigger_tool_change");
        var seen = new List<JsonElement>();
        var toolsChanged = await events.NextUntilAsync(e =>
        {
            seen.Add(e);
            return e.GetProperty("method").GetString() == "notifications/tools/list_changed";
        }, cancel.Token);
        await File.WriteAllTextAsync(file, "v2");
        var updated = await events.NextUntilAsync(e => e.GetProperty("method").GetString() == "notifications/resources/updated", cancel.Token);

        Assert.Equal("notifications/subscriptions/acknowledged", ack.GetProperty("method").GetString());
        Assert.Equal("listen-1", ack.GetProperty("params").GetProperty("_meta").GetProperty("io.modelcontextprotocol/subscriptionId").GetString());
        Assert.True(ack.GetProperty("params").GetProperty("notifications").GetProperty("toolsListChanged").GetBoolean());
        Assert.DoesNotContain(seen, e => e.GetProperty("method").GetString() == "notifications/prompts/list_changed"); // not asked for
        Assert.Equal("listen-1", toolsChanged.GetProperty("params").GetProperty("_meta").GetProperty("io.modelcontextprotocol/subscriptionId").GetString());
        Assert.Equal("res://samples/listened.txt", updated.GetProperty("params").GetProperty("uri").GetString());
    }

    private async Task<EventReader> ListenAsync(string notifications, string id, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, server.McpEndpoint)
        {
            Content = new StringContent(
                "{\"jsonrpc\":\"2.0\",\"id\":\"" + id + "\",\"method\":\"subscriptions/listen\",\"params\":{\"notifications\":" + notifications
                + ",\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\",\"io.modelcontextprotocol/clientCapabilities\":{}}}}",
                Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        request.Headers.Add("Mcp-Method", "subscriptions/listen");
        var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        Assert.Equal(new MediaTypeHeaderValue("text/event-stream").MediaType, response.Content.Headers.ContentType?.MediaType);
        return new EventReader(response, new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken)));
    }

    public void Dispose()
    {
        _http.Dispose();
        _client.Dispose();
    }

    private sealed class EventReader(HttpResponseMessage response, StreamReader reader) : IAsyncDisposable
    {
        public async Task<JsonElement> NextAsync(CancellationToken cancellationToken)
        {
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    return JsonDocument.Parse(line[6..]).RootElement.Clone();
                }
            }

            throw new EndOfStreamException("the listen stream ended");
        }

        public async Task<JsonElement> NextUntilAsync(Func<JsonElement, bool> wanted, CancellationToken cancellationToken)
        {
            while (true)
            {
                var next = await NextAsync(cancellationToken);
                if (wanted(next))
                {
                    return next;
                }
            }
        }

        public ValueTask DisposeAsync()
        {
            reader.Dispose();
            response.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
