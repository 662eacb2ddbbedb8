using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using ContextHub.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ContextHub.Server.Tests.WebConsole;

/// <summary>
/// A gateway that requires authentication and offers console sign-in through an OpenID provider on loopback (the
/// provider itself is started by tests/js/console-oidc.mjs: panva's oidc-provider). Only <c>echo</c> is ruled, with
/// the scope <c>tools:echo</c>, which only the role <c>console-user</c> grants: a call of echo that passes proves the
/// role claim became a scope.
/// </summary>
public sealed class OidcConsoleServer : TestServer
{
    public const string ClientId = "contexthub-console";

    public const string ClientSecret = "a-client-secret-for-the-test-provider-only";

    public int ProviderPort { get; } = FreePort();

    protected override void Configure(Dictionary<string, string?> settings)
    {
        settings["ContextHub:Security:RequireAuthentication"] = "true";
        settings["ContextHub:Security:ApiKeys:File"] = Path.Combine(DataFolder, "keys.json");
        settings["ContextHub:Security:Authorization:Rules:0:Kind"] = "tool";
        settings["ContextHub:Security:Authorization:Rules:0:Pattern"] = "echo";
        settings["ContextHub:Security:Authorization:Rules:0:Scopes:0"] = "tools:echo";
        settings["ContextHub:Console:Oidc:Authority"] = $"http://127.0.0.1:{ProviderPort}";
        settings["ContextHub:Console:Oidc:DisplayName"] = "Test Provider";
        settings["ContextHub:Console:Oidc:ClientId"] = ClientId;
        settings["ContextHub:Console:Oidc:ClientSecret"] = ClientSecret;
        settings["ContextHub:Console:Oidc:RequireHttpsMetadata"] = "false";
        settings["ContextHub:Console:Oidc:Scopes:0"] = "openid";
        settings["ContextHub:Console:Oidc:Scopes:1"] = "profile";
        settings["ContextHub:Console:Oidc:Scopes:2"] = "roles";
        settings["ContextHub:Console:Oidc:RoleScopes:console-user"] = "tools:echo";
    }

    /// <summary>A port free now on loopback (the provider binds it a moment later).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>
/// Sign-in through a real OpenID provider in headless Chromium (tests/js/console-oidc.mjs): the provider's login and
/// consent pages, back in the console as that person, echo called through the form (allowed by the role's scope), the
/// record naming the person, sign-out ending the console session and the provider's (RP-initiated logout).
/// </summary>
public sealed class ConsoleOidcBrowserTests(OidcConsoleServer server, ITestOutputHelper output) : IClassFixture<OidcConsoleServer>
{
    [Fact]
    public async Task A_person_signs_in_through_the_identity_provider_calls_echo_and_signs_out()
    {
        var artifacts = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(NodeTools.JsFolder))!, "artifacts", "console-screenshots");
        var (exitCode, stdout, stderr) = await NodeTools.RunAsync(Path.Combine(NodeTools.NodeBin, "node"),
            ["console-oidc.mjs", server.BaseAddress.ToString().TrimEnd('/'), server.ProviderPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                OidcConsoleServer.ClientId, OidcConsoleServer.ClientSecret, artifacts], TimeSpan.FromMinutes(3));
        Assert.True(exitCode == 0, $"console-oidc.mjs exited {exitCode}: {stderr}\n{stdout}");
        var seen = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]).RootElement;
        output.WriteLine(seen.ToString());
        Assert.False(seen.TryGetProperty("error", out var error), $"The browser run stopped: {error}");
        var problems = seen.GetProperty("problems").EnumerateArray().Select(p => p.GetString()).ToList();
        Assert.True(problems.Count == 0, "Problems seen in the browser:\n" + string.Join('\n', problems));

        var steps = seen.GetProperty("steps");
        Assert.Equal("Sign in with Test Provider", steps.GetProperty("button").GetString());
        // The authorization code flow with PKCE went to the provider's authorization endpoint.
        Assert.StartsWith("GET /auth", steps.GetProperty("authorizeRequest").GetString(), StringComparison.Ordinal);
        Assert.True(steps.GetProperty("consentPage").GetBoolean());
        Assert.Equal("Signed in as Alice Example (Test Provider)", steps.GetProperty("who").GetString());
        var cookie = steps.GetProperty("cookie");
        Assert.True(cookie.GetProperty("httpOnly").GetBoolean());
        Assert.Equal("Strict", cookie.GetProperty("sameSite").GetString());
        var session = steps.GetProperty("session");
        Assert.Equal("oidc", session.GetProperty("kind").GetString());
        Assert.Equal("Alice Example", session.GetProperty("name").GetString());
        Assert.True(steps.GetProperty("echo").GetBoolean());
        Assert.StartsWith("alice", steps.GetProperty("recordedCaller").GetString(), StringComparison.Ordinal);
        Assert.True(steps.GetProperty("providerLogoutPage").GetBoolean());
        Assert.False(steps.GetProperty("afterSignOut").GetProperty("signedIn").GetBoolean());
        Assert.Equal(401, steps.GetProperty("afterSignOutTools").GetInt32());
        Assert.True(steps.GetProperty("sessionCookieGone").GetBoolean());
    }
}
