using System.Net;
using System.Text.Json;
using ContextHub.Server.Gateway.Security;
using ContextHub.Server.Tests.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace ContextHub.Server.Tests.Security;

/// <summary>Secrets never leave: keys, tokens, sensitive arguments and an HTTP tool's credential are absent from every log line, error and record.</summary>
[Collection(SecureServerCollection.Name)]
public sealed class SecretsTests(SecureServer server) : IDisposable
{
    private readonly McpHttpClient _mcp = new(server.McpEndpoint);

    private Task<(HttpResponseMessage Response, JsonElement Body)> CallAsync(string credential, string tool, string arguments) =>
        _mcp.PostAsync("{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{\"name\":\"" + tool + "\",\"arguments\":" + arguments
            + ",\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\",\"io.modelcontextprotocol/clientCapabilities\":{}}}}", r =>
        {
            r.Headers.Add("Mcp-Method", "tools/call");
            r.Headers.Add("Mcp-Name", tool);
            r.Headers.Add("MCP-Protocol-Version", McpHttpClient.Stateless);
            SecureServer.Bearer(credential)(r);
        });

    [Fact]
    public async Task Keys_tokens_sensitive_arguments_and_http_tool_credentials_appear_in_no_log_error_or_record()
    {
        var key = server.NewKey("*");
        var revoked = server.NewKey("tools:echo");
        server.Keys.Revoke(server.Keys.List().Single(k => k.Id == revoked.Substring(4, 16)).Name);
        var token = SecureServer.Token("secret-keeper", "*");
        var expired = SecureServer.Token("secret-keeper", "*", TimeSpan.FromMinutes(-5));
        var sensitive = "sensitive-argument-" + Guid.NewGuid().ToString("N");
        var credential = "http-tool-credential-" + Guid.NewGuid().ToString("N");

        // A declarative HTTP tool whose request carries a credential (it calls this server's health endpoint).
        var toolName = "credentialed_" + Guid.NewGuid().ToString("N")[..6];
        await File.WriteAllTextAsync(Path.Combine(server.ToolsFolder, toolName + ".yaml"), $$"""
            name: {{toolName}}
            description: Calls an endpoint with a credential.
            inputSchema:
              type: object
              properties:
                q: { type: string }
            http:
              method: GET
              url: "{{server.BaseAddress}}healthz?q={{ "{{" }} q | url_encode {{ "}}" }}"
              headers:
                Authorization: "Bearer {{credential}}"
                X-Api-Key: "{{credential}}"
            """);
        var deadline = DateTime.UtcNow.AddSeconds(15);
        HttpStatusCode status;
        JsonElement toolBody;
        do
        {
            (var response, toolBody) = await CallAsync(key, toolName, "{\"q\":\"x\"}");
            status = response.StatusCode;
        }
        while ((status != HttpStatusCode.OK || toolBody.TryGetProperty("error", out _)) && DateTime.UtcNow < deadline && await Delay());
        Assert.True(status == HttpStatusCode.OK && toolBody.TryGetProperty("result", out _), toolBody.GetRawText());

        var answers = new List<string> { toolBody.GetRawText() };
        answers.Add((await CallAsync(key, "hash", "{\"text\":\"" + sensitive + "\"}")).Body.GetRawText());
        answers.Add((await CallAsync(token, "hash", "{\"text\":\"" + sensitive + "\",\"algorithm\":\"nope\"}")).Body.GetRawText());
        answers.Add((await CallAsync(expired, "echo", "{}")).Body.GetRawText());
        answers.Add((await CallAsync(revoked, "echo", "{}")).Body.GetRawText());
        answers.Add((await CallAsync(key + "x", "echo", "{}")).Body.GetRawText());
        var records = (await CallAsync(key, "tool_calls", "{\"limit\":500}")).Body.GetRawText();

        var logs = string.Join("\n", server.Logs);
        Assert.Contains("Credentials refused", logs, StringComparison.Ordinal); // the log was captured at all
        foreach (var (name, secret) in new[]
        {
            ("API key", key), ("API key secret part", key[^43..]), ("revoked key", revoked[^43..]), ("token", token),
            ("token signature", token[(token.LastIndexOf('.') + 1)..]), ("expired token", expired[(expired.LastIndexOf('.') + 1)..]),
            ("sensitive argument", sensitive), ("HTTP tool credential", credential),
        })
        {
            Assert.False(logs.Contains(secret, StringComparison.Ordinal), $"The {name} is in the logs.");
            Assert.False(records.Contains(secret, StringComparison.Ordinal), $"The {name} is in the tool-call record.");
            Assert.DoesNotContain(answers, a => a.Contains(secret, StringComparison.Ordinal) && name != "sensitive argument");
        }
    }

    private static async Task<bool> Delay()
    {
        await Task.Delay(200);
        return true;
    }

    [Fact]
    public void Serving_anonymous_callers_beyond_loopback_is_refused_at_start_unless_asked_for()
    {
        SecurityOptionsValidator Validator(params (string Key, string Value)[] settings) =>
            new(new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build());

        var exposed = Validator(("urls", "http://0.0.0.0:5100")).Validate(null, new SecurityOptions());
        Assert.True(exposed.Failed);
        Assert.Contains("ContextHub:Security:AllowAnonymousNonLoopback", exposed.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("0.0.0.0", exposed.FailureMessage, StringComparison.Ordinal);
        Assert.True(Validator(("Kestrel:Endpoints:Public:Url", "https://example.com:443")).Validate(null, new SecurityOptions()).Failed);
        Assert.True(Validator(("urls", "http://[::]:5100")).Validate(null, new SecurityOptions()).Failed);

        Assert.True(Validator(("urls", "http://127.0.0.1:5100;http://localhost:5101;http://[::1]:5102")).Validate(null, new SecurityOptions()).Succeeded);
        Assert.True(Validator(("urls", "http://0.0.0.0:5100")).Validate(null, new SecurityOptions { AllowAnonymousNonLoopback = true }).Succeeded);
        Assert.True(Validator(("urls", "http://0.0.0.0:5100")).Validate(null, new SecurityOptions { RequireAuthentication = true }).Succeeded);
    }

    [Fact]
    public async Task A_server_told_to_listen_on_every_address_without_authentication_does_not_start()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ContextHub:Knowledge:Enabled"] = "false",
            ["ContextHub:Samples:Enabled"] = "false",
        });
        builder.WebHost.UseUrls("http://0.0.0.0:0");
        ContextHub.Server.Hosting.ContextHubServerExtensions.AddContextHubServer(builder.Services, builder.Configuration);
        await using var app = builder.Build();
        var refused = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            ContextHub.Server.Hosting.ContextHubServerExtensions.MapContextHub(app);
            await app.StartAsync();
        });
        Assert.Contains("AllowAnonymousNonLoopback", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_security_settings_are_named_with_their_fix()
    {
        var validator = new SecurityOptionsValidator(new ConfigurationBuilder().Build());
        var options = new SecurityOptions
        {
            ResourceUri = "not a uri",
            Jwt = new JwtOptions { SigningKeys = ["short"] },
            Authorization = new AuthorizationOptions { Rules = [new AuthorizationRule { Kind = "tools", Pattern = "x", Scopes = ["a"] }, new AuthorizationRule { Kind = "knowledge", Pattern = "drop", Scopes = [] }] },
            RateLimits = new RateLimitOptions { RequestsPerMinute = -1, ToolCallBurst = 0 },
        };
        var result = validator.Validate(null, options);
        Assert.True(result.Failed);
        foreach (var setting in new[]
        {
            "ContextHub:Security:ResourceUri", "ContextHub:Security:Jwt:SigningKeys:0", "ContextHub:Security:Jwt:Issuer",
            "ContextHub:Security:Authorization:Rules:0:Kind", "ContextHub:Security:Authorization:Rules:1:Pattern", "ContextHub:Security:Authorization:Rules:1:Scopes",
            "ContextHub:Security:RateLimits:RequestsPerMinute",
        })
        {
            Assert.Contains(setting, result.FailureMessage, StringComparison.Ordinal);
        }
    }

    public void Dispose() => _mcp.Dispose();
}
