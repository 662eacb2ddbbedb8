using System.Net;
using System.Text;
using System.Text.Json;
using ContextHub.Server.Tests.Infrastructure;

namespace ContextHub.Server.Tests.Http;

/// <summary>A gateway whose session limit is two, so a third client meets it.</summary>
public sealed class TwoSessionServer : TestServer
{
    protected override void Configure(Dictionary<string, string?> settings)
    {
        settings["ContextHub:Server:MaxSessions"] = "2";
        settings["ContextHub:Server:SessionIdleTimeout"] = "00:00:20"; // the sweep, and so the Retry-After, every 5 s
    }
}

/// <summary>What a client gets when the server holds as many sessions as it may: 503, a JSON-RPC error naming the setting, and when to try again.</summary>
public sealed class TooManySessionsTests(TwoSessionServer server) : IClassFixture<TwoSessionServer>
{
    private const string Initialize =
        """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"full","version":"1"}}}""";

    [Fact]
    public async Task A_session_past_the_limit_is_503_with_the_setting_and_a_retry_after()
    {
        using var http = new HttpClient();
        for (var i = 0; i < 2; i++)
        {
            using var accepted = await PostAsync(http);
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
            Assert.True(accepted.Headers.Contains("Mcp-Session-Id"));
        }

        using var refused = await PostAsync(http);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(5), refused.Headers.RetryAfter?.Delta);
        var error = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal(-32603, error.GetProperty("code").GetInt32());
        Assert.Contains("ContextHub:Server:MaxSessions", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    private Task<HttpResponseMessage> PostAsync(HttpClient http)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, server.McpEndpoint)
        {
            Content = new StringContent(Initialize, Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        return http.SendAsync(request);
    }
}
