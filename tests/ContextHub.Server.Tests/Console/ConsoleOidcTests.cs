using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using ContextHub.Server.Gateway.WebConsole;
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
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ContextHub.Server.Tests.WebConsole;

/// <summary>
/// Console sign-in through OpenID Connect against a provider on loopback that this test controls (so it can hand out
/// ID tokens for the wrong audience or from the wrong issuer): the real ASP.NET Core OpenID Connect handler runs the
/// code flow with PKCE over HTTP. A good token becomes a session whose role maps to a scope; a token for another
/// client or from another issuer is refused with a message and no session; bad settings stop the server at start.
/// </summary>
public sealed class ConsoleOidcTests : IAsyncLifetime
{
    private const string ClientId = "contexthub";
    private readonly TestProvider _provider = new();
    private WebApplication _hub = null!;
    private Uri _base = null!;
    private readonly string _keyFile = Path.Combine(Path.GetTempPath(), "contexthub-oidc-keys-" + Guid.NewGuid().ToString("N")[..8] + ".json");

    public async Task InitializeAsync()
    {
        await _provider.StartAsync();
        _hub = await StartHubAsync(new Dictionary<string, string?>
        {
            ["ContextHub:Console:Oidc:Authority"] = _provider.Issuer,
            ["ContextHub:Console:Oidc:ClientId"] = ClientId,
            ["ContextHub:Console:Oidc:ClientSecret"] = "secret",
            ["ContextHub:Console:Oidc:RequireHttpsMetadata"] = "false",
            ["ContextHub:Console:Oidc:RoleScopes:console-user"] = "tools:echo",
        }, _keyFile);
        _base = Address(_hub);
    }

    public async Task DisposeAsync()
    {
        await _hub.DisposeAsync();
        await _provider.DisposeAsync();
        File.Delete(_keyFile);
    }

    [Fact]
    public async Task A_valid_id_token_becomes_a_session_whose_role_grants_the_scope()
    {
        var (client, cookies, location) = await SignInAsync();
        Assert.Equal("/", location);
        var session = await client.GetFromJsonAsync<JsonElement>("/console/session");
        Assert.Equal("oidc", session.GetProperty("kind").GetString());
        Assert.Equal("Test Person", session.GetProperty("name").GetString());
        Assert.NotNull(_provider.LastCodeVerifier); // PKCE: the token request carried the code verifier

        // echo is ruled by tools:echo, which only the role console-user grants.
        var csrf = cookies.GetCookies(_base)["contexthub-csrf"]!.Value;
        using var call = new HttpRequestMessage(HttpMethod.Post, "/api/v1/tools/echo/call") { Content = JsonContent.Create(new { message = "hi" }) };
        call.Headers.Add("X-CSRF-Token", csrf);
        var answer = await client.SendAsync(call);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Contains("echo: hi", await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Without the anti-forgery token the same session is refused (403) before the door.
        var forged = await client.PostAsJsonAsync("/api/v1/tools/echo/call", new { message = "hi" });
        Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);

        // Sign-out ends the session and sends the browser to the provider's end-session endpoint.
        using var signOut = new HttpRequestMessage(HttpMethod.Delete, "/console/session");
        signOut.Headers.Add("X-CSRF-Token", csrf);
        var ended = await (await client.SendAsync(signOut)).Content.ReadFromJsonAsync<JsonElement>();
        var logout = ended.GetProperty("logoutUrl").GetString()!;
        Assert.StartsWith(_provider.Issuer + "/logout?client_id=contexthub&post_logout_redirect_uri=", logout, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/tools")).StatusCode);
    }

    [Fact]
    public async Task An_id_token_for_another_client_is_refused()
    {
        _provider.Audience = "someone-else";
        var (client, cookies, location) = await SignInAsync();
        Assert.StartsWith("/#/signin?error=", location, StringComparison.Ordinal);
        Assert.Contains("another client", Uri.UnescapeDataString(location), StringComparison.Ordinal);
        Assert.Null(cookies.GetCookies(_base)["contexthub-session"]);
        Assert.False((await client.GetFromJsonAsync<JsonElement>("/console/session")).GetProperty("signedIn").GetBoolean());
    }

    [Fact]
    public async Task An_id_token_from_another_issuer_is_refused()
    {
        _provider.TokenIssuer = "https://impostor.example";
        var (_, cookies, location) = await SignInAsync();
        Assert.StartsWith("/#/signin?error=", location, StringComparison.Ordinal);
        Assert.True(Uri.UnescapeDataString(location).Contains("an issuer other than the configured authority", StringComparison.Ordinal), location);
        Assert.Null(cookies.GetCookies(_base)["contexthub-session"]);
    }

    [Fact]
    public async Task A_callback_without_the_browser_that_started_it_is_refused()
    {
        // The provider's answer arrives in a browser that never started the sign-in: no correlation cookie.
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = _base };
        var answer = await client.GetAsync("/console/oidc/callback?code=abc&state=forged");
        Assert.Equal(HttpStatusCode.Redirect, answer.StatusCode);
        Assert.StartsWith("/#/signin?error=", answer.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.False(answer.Headers.TryGetValues("Set-Cookie", out var set) && set.Any(c => c.StartsWith("contexthub-session=", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task The_session_endpoint_offers_the_provider()
    {
        using var client = new HttpClient { BaseAddress = _base };
        var session = await client.GetFromJsonAsync<JsonElement>("/console/session");
        Assert.Equal("identity provider", session.GetProperty("provider").GetProperty("name").GetString());
        Assert.Equal(ConsoleOidc.SignInPath, session.GetProperty("provider").GetProperty("signInUrl").GetString());
    }

    [Theory]
    [InlineData("ContextHub:Console:Oidc:Authority", "not a url", "Authority 'not a url' is not an absolute http(s) URL")]
    [InlineData("ContextHub:Console:Oidc:Authority", "http://idp.example", "RequireHttpsMetadata=false")]
    [InlineData("ContextHub:Console:Oidc:ClientId", "", "ClientId is empty")]
    [InlineData("ContextHub:Console:Oidc:CallbackPath", "callback", "CallbackPath 'callback' must be a path")]
    [InlineData("ContextHub:Console:Oidc:RoleScopes:console-user", "", "RoleScopes:console-user is empty")]
    [InlineData("ContextHub:Console:Oidc:Scopes:0", "openid profile", "Scopes has an empty entry or one with a space")]
    public async Task A_bad_setting_stops_the_server_at_start_naming_it(string key, string value, string message)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ContextHub:Console:Oidc:Authority"] = "https://idp.example",
            ["ContextHub:Console:Oidc:ClientId"] = ClientId,
            ["ContextHub:Console:Oidc:RoleScopes:console-user"] = "tools:echo",
            [key] = value,
        };
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => StartHubAsync(settings, _keyFile));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_provider_that_would_grant_no_scope_or_a_client_without_authority_stops_the_server()
    {
        var none = await Assert.ThrowsAsync<OptionsValidationException>(() => StartHubAsync(new Dictionary<string, string?>
        {
            ["ContextHub:Console:Oidc:Authority"] = "https://idp.example",
            ["ContextHub:Console:Oidc:ClientId"] = ClientId,
        }, _keyFile));
        Assert.Contains("would hold no scope: set GrantedScopes, RoleScopes or ScopeClaim", none.Message, StringComparison.Ordinal);
        var orphan = await Assert.ThrowsAsync<OptionsValidationException>(() => StartHubAsync(new Dictionary<string, string?>
        {
            ["ContextHub:Console:Oidc:ClientId"] = ClientId,
        }, _keyFile));
        Assert.Contains("ClientId is set but ContextHub:Console:Oidc:Authority is empty", orphan.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Scopes_come_from_granted_scopes_the_scope_claim_and_roles()
    {
        var options = new ConsoleOidcOptions
        {
            GrantedScopes = ["kb:read"],
            ScopeClaim = "contexthub_scopes",
            RoleScopes = new() { ["admin"] = "* contexthub:admin", ["user"] = "tools:echo" },
        };
        var person = new ClaimsPrincipal(new ClaimsIdentity([
            new Claim("roles", "user"), new Claim("roles", "unknown-role"), new Claim("contexthub_scopes", "prompts:review kb:write"),
        ], "test"));
        Assert.Equal(["kb:read", "kb:write", "prompts:review", "tools:echo"], ConsoleOidc.ScopesOf(person, options));
        var admin = new ClaimsPrincipal(new ClaimsIdentity([new Claim("roles", "admin")], "test"));
        Assert.Equal(["*", "contexthub:admin", "kb:read"], ConsoleOidc.ScopesOf(admin, options));
    }

    /// <summary>Follows the flow like a browser: the hub's sign-in, the provider's authorization endpoint, the hub's callback.</summary>
    private async Task<(HttpClient Client, CookieContainer Cookies, string Location)> SignInAsync()
    {
        var cookies = new CookieContainer();
        var client = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = _base };
        var start = await client.GetAsync(ConsoleOidc.SignInPath);
        Assert.Equal(HttpStatusCode.Redirect, start.StatusCode);
        var authorize = start.Headers.Location!;
        Assert.StartsWith(_provider.Issuer + "/authorize", authorize.ToString(), StringComparison.Ordinal);
        Assert.Contains("code_challenge_method=S256", authorize.Query, StringComparison.Ordinal);
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var back = (await browser.GetAsync(authorize)).Headers.Location!;
        var callback = await client.GetAsync(back.PathAndQuery);
        Assert.Equal(HttpStatusCode.Redirect, callback.StatusCode);
        return (client, cookies, callback.Headers.Location!.OriginalString);
    }

    private static async Task<WebApplication> StartHubAsync(Dictionary<string, string?> oidc, string keyFile)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing", ContentRootPath = AppContext.BaseDirectory });
        var settings = new Dictionary<string, string?>
        {
            ["AllowedHosts"] = "127.0.0.1",
            ["ContextHub:Samples:Enabled"] = "true",
            ["ContextHub:Knowledge:Enabled"] = "false",
            ["ContextHub:Security:RequireAuthentication"] = "true",
            ["ContextHub:Security:ApiKeys:File"] = keyFile,
            ["ContextHub:Security:Authorization:Rules:0:Kind"] = "tool",
            ["ContextHub:Security:Authorization:Rules:0:Pattern"] = "echo",
            ["ContextHub:Security:Authorization:Rules:0:Scopes:0"] = "tools:echo",
        };
        foreach (var (k, v) in oidc)
        {
            settings[k] = v;
        }

        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddContextHubServer(builder.Configuration);
        var app = builder.Build();
        app.MapContextHub();
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return app;
    }

    private static Uri Address(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    /// <summary>
    /// An OpenID provider on loopback with a fixed person (sub "person-1", role console-user): its authorization
    /// endpoint answers at once with a code; its token endpoint signs an ID token with <see cref="TokenIssuer"/> and
    /// <see cref="Audience"/> (by default its own issuer and the hub's client id), carrying the nonce it was given.
    /// </summary>
    private sealed class TestProvider : IAsyncDisposable
    {
        private readonly RsaSecurityKey _key = new(RSA.Create(2048)) { KeyId = "test-key" };
        private readonly ConcurrentDictionary<string, string> _nonces = new();
        private WebApplication? _app;

        public string Issuer { get; private set; } = "";

        public string? TokenIssuer { get; set; }

        public string Audience { get; set; } = ClientId;

        public string? LastCodeVerifier { get; private set; }

        public async Task StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            _app = builder.Build();
            _app.MapGet("/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
            {
                ["issuer"] = Issuer,
                ["authorization_endpoint"] = Issuer + "/authorize",
                ["token_endpoint"] = Issuer + "/token",
                ["userinfo_endpoint"] = Issuer + "/userinfo",
                ["end_session_endpoint"] = Issuer + "/logout",
                ["jwks_uri"] = Issuer + "/jwks",
                ["response_types_supported"] = new[] { "code" },
                ["subject_types_supported"] = new[] { "public" },
                ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
                ["code_challenge_methods_supported"] = new[] { "S256" },
            }));
            _app.MapGet("/jwks", () =>
            {
                var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(_key.Rsa.ExportParameters(false)) { KeyId = _key.KeyId });
                return Results.Json(new { keys = new[] { new { kty = "RSA", use = "sig", alg = "RS256", kid = jwk.Kid, n = jwk.N, e = jwk.E } } });
            });
            _app.MapGet("/authorize", (HttpRequest request) =>
            {
                var code = Guid.NewGuid().ToString("N");
                _nonces[code] = request.Query["nonce"].ToString();
                return Results.Redirect($"{request.Query["redirect_uri"]}?code={code}&state={Uri.EscapeDataString(request.Query["state"].ToString())}");
            });
            _app.MapPost("/token", async (HttpRequest request) =>
            {
                var form = await request.ReadFormAsync();
                LastCodeVerifier = form["code_verifier"].FirstOrDefault();
                if (!_nonces.TryRemove(form["code"].ToString(), out var nonce))
                {
                    return Results.Json(new { error = "invalid_grant" }, statusCode: 400);
                }

                var now = DateTime.UtcNow;
                var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
                {
                    Issuer = TokenIssuer ?? Issuer,
                    Audience = Audience,
                    IssuedAt = now,
                    NotBefore = now.AddMinutes(-1),
                    Expires = now.AddMinutes(5),
                    Claims = new Dictionary<string, object> { ["sub"] = "person-1", ["nonce"] = nonce, ["name"] = "Test Person" },
                    SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.RsaSha256),
                });
                return Results.Json(new { id_token = token, access_token = "opaque-" + Guid.NewGuid().ToString("N"), token_type = "Bearer", expires_in = 300 });
            });
            _app.MapGet("/userinfo", () => Results.Json(new { sub = "person-1", name = "Test Person", roles = new[] { "console-user" } }));
            await _app.StartAsync();
            Issuer = Address(_app).ToString().TrimEnd('/');
        }

        public async ValueTask DisposeAsync()
        {
            if (_app is not null)
            {
                await _app.DisposeAsync();
            }
        }
    }
}
