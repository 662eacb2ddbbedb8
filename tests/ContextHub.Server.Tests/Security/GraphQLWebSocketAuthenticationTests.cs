using System.Net;
using System.Text.Json;
using ContextHub.Server.Tests.Infrastructure;
using ContextHub.Server.Tests.Rest;

namespace ContextHub.Server.Tests.Security;

/// <summary>
/// The graphql-ws client (tests/js/graphql-ws-client.mjs) sending credentials in its <c>connection_init</c> payload: the
/// same credential rules and the same refusals as the HTTP doors, as a 4403 close.
/// </summary>
[Collection(SecureServerCollection.Name)]
public sealed class GraphQLWebSocketAuthenticationTests(SecureServer server) : IDisposable
{
    private const string ListTools = "{ tools { name } }";

    private readonly RestClient _rest = new(server.BaseAddress);

    private string WsEndpoint => "ws://" + server.BaseAddress.Authority + "/graphql";

    [Theory]
    [InlineData("token")]
    [InlineData("api key")]
    public async Task A_good_credential_gets_the_callers_view(string kind)
    {
        var payload = kind == "token"
            ? new Dictionary<string, string> { ["Authorization"] = "Bearer " + SecureServer.Token("ws-" + Guid.NewGuid().ToString("N")[..6], "tools:echo") }
            : new Dictionary<string, string> { ["X-API-Key"] = server.NewKey("tools:echo") };

        var answer = await RunClientAsync(payload);

        var names = answer.GetProperty("data").GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString()).ToList();
        Assert.Contains("echo", names);
        Assert.DoesNotContain("hash", names); // the credential's scopes, not the anonymous caller's
    }

    [Theory]
    [InlineData("Bearer chk_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", null, "The API key is not valid: unknown, revoked or expired.")]
    [InlineData("Bearer not-a-token", null, "The token is malformed.")]
    [InlineData("Basic dXNlcjpwYXNz", null, "Use the Bearer scheme: Authorization: Bearer <token or API key>.")]
    [InlineData("Bearer ", null, "Use the Bearer scheme: Authorization: Bearer <token or API key>.")]
    [InlineData("Bearer chk_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "chk_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "Send one credential: the request has both Authorization and X-API-Key.")]
    public async Task A_bad_credential_is_refused_with_the_http_doors_reason(string authorization, string? apiKey, string expected)
    {
        var payload = new Dictionary<string, string> { ["Authorization"] = authorization };
        if (apiKey is not null)
        {
            payload["X-API-Key"] = apiKey;
        }

        var answer = await RunClientAsync(payload);
        var http = await _rest.PostJsonAsync("/graphql", JsonSerializer.Serialize(new { query = ListTools }), r =>
        {
            foreach (var (name, value) in payload)
            {
                r.Headers.TryAddWithoutValidation(name, value);
            }
        });

        var error = answer.GetProperty("error");
        Assert.Equal(4403, error.GetProperty("code").GetInt32());
        var reason = error.GetProperty("reason").GetString()!;
        Assert.Contains(expected, reason, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, http.Status);
        Assert.Equal("Forbidden: " + http.Body.GetProperty("errors")[0].GetProperty("message").GetString(), reason);
    }

    /// <summary>Runs one <c>{ tools { name } }</c> query with <paramref name="payload"/> as the connection_init payload; returns the first line printed.</summary>
    private async Task<JsonElement> RunClientAsync(Dictionary<string, string> payload)
    {
        var (exitCode, stdout, stderr) = await NodeTools.RunAsync(Path.Combine(NodeTools.NodeBin, "node"),
            ["graphql-ws-client.mjs", WsEndpoint, ListTools, "", "first", "30000", JsonSerializer.Serialize(payload)], TimeSpan.FromSeconds(60));
        Assert.True(exitCode == 0, $"graphql-ws-client.mjs exited {exitCode}: {stderr}\n{stdout}");
        return JsonDocument.Parse(stdout.Trim().Split('\n')[0]).RootElement.Clone();
    }

    public void Dispose() => _rest.Dispose();
}
