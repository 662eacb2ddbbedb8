using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ContextHub.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ContextHub.Server.Tests.WebConsole;

/// <summary>
/// The console's own endpoints on a real Kestrel server: its files and their headers, sign-in into a sealed cookie,
/// the Authorization header the cookie turns into, and the anti-forgery check on every state-changing request.
/// The server also maps <c>/test/authorization</c>, which answers the Authorization header the doors would see.
/// </summary>
public sealed class ConsoleSessionTests : IAsyncLifetime
{
    private WebApplication _app = null!;
    private Uri _base = null!;
    private readonly string _keyFile = Path.Combine(Path.GetTempPath(), "contexthub-console-keys-" + Guid.NewGuid().ToString("N")[..8] + ".json");

    /// <summary>A real key of the server's (a presented key that is not one is refused like any bad credential).</summary>
    private string _key = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing", ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AllowedHosts"] = "127.0.0.1",
            ["ContextHub:Samples:Enabled"] = "true",
            ["ContextHub:Knowledge:Enabled"] = "false",
            ["ContextHub:Security:ApiKeys:File"] = _keyFile,
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddContextHubServer(builder.Configuration);
        _app = builder.Build();
        _app.MapContextHub();
        _app.MapMethods("/test/authorization", [HttpMethods.Get, HttpMethods.Post],
            (HttpContext context) => Results.Text(context.Request.Headers.Authorization.ToString()));
        await _app.StartAsync();
        _key = _app.Services.GetRequiredService<ContextHub.Server.Gateway.Security.ApiKeyStore>().Create("console", ["*"], null).Key;
        _base = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        File.Delete(_keyFile);
    }

    private HttpClient Client(CookieContainer? cookies = null) =>
        new(new HttpClientHandler { CookieContainer = cookies ?? new CookieContainer(), AllowAutoRedirect = false, AutomaticDecompression = DecompressionMethods.None })
        { BaseAddress = _base };

    private async Task<(HttpClient Client, CookieContainer Cookies, string Token)> SignedInAsync(string? key = null)
    {
        var cookies = new CookieContainer();
        var client = Client(cookies);
        var response = await client.PostAsJsonAsync("/console/session", new { key = key ?? _key });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var token = cookies.GetCookies(_base)["contexthub-csrf"]!.Value;
        return (client, cookies, token);
    }

    [Fact]
    public async Task The_console_is_served_at_the_root_with_a_strict_policy()
    {
        using var client = Client();
        var page = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType!.MediaType);
        var csp = page.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("style-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", page.Headers.GetValues("X-Content-Type-Options").Single());
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("<script type=\"module\" src=\"/console/assets/js/app.js\"></script>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("style=", html, StringComparison.Ordinal); // no inline style for the policy to block
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal); // no CDN

        // Assets: gzip when asked, 304 on a matching tag, 404 for a file that is not there.
        using var gzipRequest = new HttpRequestMessage(HttpMethod.Get, "/console/assets/js/app.js");
        gzipRequest.Headers.AcceptEncoding.ParseAdd("gzip");
        var gzipped = await client.SendAsync(gzipRequest);
        Assert.Equal("gzip", gzipped.Content.Headers.ContentEncoding.Single());
        Assert.Equal("text/javascript", gzipped.Content.Headers.ContentType!.MediaType);
        using var again = new HttpRequestMessage(HttpMethod.Get, "/console/assets/js/app.js");
        again.Headers.IfNoneMatch.Add(gzipped.Headers.ETag!);
        Assert.Equal(HttpStatusCode.NotModified, (await client.SendAsync(again)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/console/assets/js/nothing.js")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/console/assets/../../appsettings.json")).StatusCode);
    }

    [Fact]
    public async Task Signing_in_seals_the_key_in_an_http_only_strict_cookie()
    {
        var cookies = new CookieContainer();
        using var client = Client(cookies);
        var anonymous = await client.GetFromJsonAsync<JsonElement>("/console/session");
        Assert.False(anonymous.GetProperty("signedIn").GetBoolean());

        var response = await client.PostAsJsonAsync("/console/session", new { key = _key });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var setCookies = response.Headers.GetValues("Set-Cookie").ToList();
        var session = Assert.Single(setCookies, c => c.StartsWith("contexthub-session=", StringComparison.Ordinal));
        Assert.Contains("httponly", session, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", session, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/", session, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secure", session, StringComparison.OrdinalIgnoreCase); // plain HTTP on loopback
        Assert.DoesNotContain(_key, session, StringComparison.Ordinal); // sealed, not readable
        var csrf = Assert.Single(setCookies, c => c.StartsWith("contexthub-csrf=", StringComparison.Ordinal));
        Assert.DoesNotContain("httponly", csrf, StringComparison.OrdinalIgnoreCase); // the page's scripts read it
        Assert.Contains("samesite=strict", csrf, StringComparison.OrdinalIgnoreCase);

        var info = await client.GetFromJsonAsync<JsonElement>("/console/session");
        Assert.True(info.GetProperty("signedIn").GetBoolean());
        Assert.Equal("…" + _key[^4..], info.GetProperty("credentialHint").GetString());
    }

    [Fact]
    public async Task The_cookie_becomes_a_bearer_header_unless_the_request_has_its_own()
    {
        var (client, _, _) = await SignedInAsync();
        using (client)
        {
            Assert.Equal("Bearer " + _key, await client.GetStringAsync("/test/authorization"));
            using var own = new HttpRequestMessage(HttpMethod.Get, "/test/authorization");
            own.Headers.TryAddWithoutValidation("Authorization", "Bearer other");
            Assert.Equal("Bearer other", await (await client.SendAsync(own)).Content.ReadAsStringAsync());
        }

        using var anonymous = Client();
        Assert.Equal(string.Empty, await anonymous.GetStringAsync("/test/authorization"));
    }

    [Fact]
    public async Task A_state_changing_request_with_the_cookie_needs_the_token()
    {
        var (client, _, token) = await SignedInAsync();
        using (client)
        {
            // No token: 403 problem, and the tool is not called.
            var missing = await client.PostAsJsonAsync("/api/v1/tools/echo/call", new { message = "x" });
            Assert.Equal(HttpStatusCode.Forbidden, missing.StatusCode);
            Assert.Equal("application/problem+json", missing.Content.Headers.ContentType!.MediaType);
            var problem = await missing.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("https://contexthub.dev/problems/forgery", problem.GetProperty("type").GetString());
            Assert.Contains("X-CSRF-Token", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

            // A wrong token: 403. The same for MCP and GraphQL, whose requests are POSTs too.
            Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(client, HttpMethod.Post, "/api/v1/tools/echo/call", "{\"message\":\"x\"}", token + "x")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(client, HttpMethod.Post, "/mcp", "{}", null)).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(client, HttpMethod.Post, "/graphql", "{\"query\":\"{ tools { name } }\"}", null)).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(client, HttpMethod.Delete, "/console/session", null, null)).StatusCode);

            // The right token: the call goes through.
            var ok = await SendAsync(client, HttpMethod.Post, "/api/v1/tools/echo/call", "{\"message\":\"with token\"}", token);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Contains("echo: with token", await ok.Content.ReadAsStringAsync(), StringComparison.Ordinal);

            // Reading needs no token.
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/tools")).StatusCode);
        }

        // Without the cookie there is nothing to forge: other clients are untouched.
        using var plain = Client();
        Assert.Equal(HttpStatusCode.OK, (await plain.PostAsJsonAsync("/api/v1/tools/echo/call", new { message = "x" })).StatusCode);
    }

    [Fact]
    public async Task Signing_out_needs_the_token_and_clears_both_cookies()
    {
        var (client, cookies, token) = await SignedInAsync();
        using (client)
        {
            var response = await SendAsync(client, HttpMethod.Delete, "/console/session", null, token);
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
            Assert.DoesNotContain(cookies.GetCookies(_base), c => c.Name.StartsWith("contexthub-", StringComparison.Ordinal) && !c.Expired);
            Assert.Equal(string.Empty, await client.GetStringAsync("/test/authorization"));
        }
    }

    [Fact]
    public async Task A_tampered_cookie_is_ignored_on_reads_and_refused_on_writes()
    {
        var cookies = new CookieContainer();
        cookies.Add(_base, new Cookie("contexthub-session", "not-a-sealed-value"));
        using var client = Client(cookies);
        Assert.Equal(string.Empty, await client.GetStringAsync("/test/authorization"));
        var write = await client.PostAsJsonAsync("/api/v1/tools/echo/call", new { message = "x" });
        Assert.Equal(HttpStatusCode.Forbidden, write.StatusCode);
        Assert.Contains("sign in again", await write.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains(write.Headers.GetValues("Set-Cookie"), c => c.StartsWith("contexthub-session=;", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Bad_sign_in_requests_get_clear_answers()
    {
        using var client = Client();
        var empty = await client.PostAsJsonAsync("/console/session", new { key = "  " });
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Contains("key is required", await empty.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var malformed = await client.PostAsync("/console/session", new StringContent("{\"key\":", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);

        var text = await client.PostAsync("/console/session", new StringContent("key", System.Text.Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, text.StatusCode);

        using var foreign = new HttpRequestMessage(HttpMethod.Post, "/console/session") { Content = JsonContent.Create(new { key = "k" }) };
        foreign.Headers.Add("Origin", "https://evil.example");
        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(foreign)).StatusCode);

        // A plain HTML form (no script) signs in and goes back to the console.
        var form = await client.PostAsync("/console/session", new FormUrlEncodedContent([new("key", "form-key-abcd")]));
        Assert.Equal(HttpStatusCode.Redirect, form.StatusCode);
        Assert.Equal("/", form.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task A_bad_session_lifetime_stops_the_start_and_names_itself()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing", ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ContextHub:Console:SessionLifetime"] = "00:00:05",
            ["ContextHub:Samples:Enabled"] = "false",
            ["ContextHub:Knowledge:Enabled"] = "false",
        });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddContextHubServer(builder.Configuration);
        await using var app = builder.Build();
        var error = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            app.MapContextHub();
            await app.StartAsync();
        });
        Assert.Contains("ContextHub:Console:SessionLifetime is 00:00:05; use from \"00:01:00\" to \"30.00:00:00\".", error.Message, StringComparison.Ordinal);
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, string? json, string? token)
    {
        var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
            request.Headers.Accept.ParseAdd("application/json");
            request.Headers.Accept.ParseAdd("text/event-stream");
        }

        if (token is not null)
        {
            request.Headers.Add("X-CSRF-Token", token);
        }

        return client.SendAsync(request);
    }
}
