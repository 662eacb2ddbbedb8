using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using ContextHub.Server.Gateway.Security;
using ContextHub.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ContextHub.Server.Tests.Security;

/// <summary>
/// A gateway that requires authentication: API keys in its data folder, JWTs signed with a test HMAC key (no network),
/// scope rules for a few tools, a resource folder, a prompt and the knowledge operations, tight rate limits, and every
/// log line of the run kept (at Trace) so a test can search them for secrets.
/// </summary>
public sealed class SecureServer : TestServer
{
    public const string Issuer = "https://issuer.contexthub.test";
    public const string Resource = "https://contexthub.test/mcp";
    public const string AdminScope = "contexthub:admin";

    private static readonly byte[] SigningSecret = Encoding.UTF8.GetBytes("a test signing secret of more than thirty-two bytes!");

    public ConcurrentQueue<string> Logs { get; } = new();

    public ApiKeyStore Keys => Services.GetRequiredService<ApiKeyStore>();

    /// <summary>A new key with <paramref name="scopes"/> (each test makes its own, so rate limits per caller do not meet).</summary>
    public string NewKey(params string[] scopes) => Keys.Create("key-" + Guid.NewGuid().ToString("N")[..10], scopes, null).Key;

    /// <summary>A token signed with the test key; <paramref name="lifetime"/> may be negative (expired).</summary>
    public static string Token(string subject, string scopes, TimeSpan? lifetime = null, string audience = Resource, string issuer = Issuer,
        byte[]? secret = null)
    {
        var now = DateTime.UtcNow;
        var life = lifetime ?? TimeSpan.FromMinutes(10);
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Subject = new ClaimsIdentity([new Claim("sub", subject), new Claim("scope", scopes), new Claim("name", subject + " (test)")]),
            IssuedAt = now.Add(life) < now ? now.Add(life).AddMinutes(-5) : now,
            NotBefore = now.Add(life) < now ? now.Add(life).AddMinutes(-5) : now.AddMinutes(-1),
            Expires = now.Add(life),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(secret ?? SigningSecret), SecurityAlgorithms.HmacSha256),
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }

    public static Action<HttpRequestMessage> Bearer(string credential) =>
        r => r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", credential);

    protected override void Configure(Dictionary<string, string?> settings)
    {
        settings["ContextHub:Security:RequireAuthentication"] = "true";
        settings["ContextHub:Security:ResourceUri"] = Resource;
        settings["ContextHub:Security:Jwt:Issuer"] = Issuer;
        settings["ContextHub:Security:Jwt:SigningKeys:0"] = Convert.ToBase64String(SigningSecret);
        settings["ContextHub:Security:Jwt:ClockSkew"] = "00:00:00";
        string[][] rules =
        [
            ["tool", "ha*", "tools:hash"],
            ["tool", "echo", "tools:echo"],
            ["resource", "res://samples/*", "resources:samples"],
            ["prompt", "code_review", "prompts:review"],
            ["knowledge", "search", "kb:read"],
            ["knowledge", "fetch", "kb:read"],
            ["knowledge", "ingest", "kb:write"],
            ["knowledge", "delete", "kb:write"],
        ];
        for (var i = 0; i < rules.Length; i++)
        {
            settings[$"ContextHub:Security:Authorization:Rules:{i}:Kind"] = rules[i][0];
            settings[$"ContextHub:Security:Authorization:Rules:{i}:Pattern"] = rules[i][1];
            settings[$"ContextHub:Security:Authorization:Rules:{i}:Scopes:0"] = rules[i][2];
        }

        settings["ContextHub:Security:RateLimits:ToolCallsPerMinute"] = "1";
        settings["ContextHub:Security:RateLimits:ToolCallBurst"] = "5";
        settings["ContextHub:Security:RateLimits:MaxConcurrentToolCalls"] = "2";
    }

    protected override void ConfigureLogging(ILoggingBuilder logging)
    {
        logging.SetMinimumLevel(LogLevel.Trace);
        logging.AddProvider(new CapturingLoggerProvider(Logs));
    }

    private sealed class CapturingLoggerProvider(ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new CapturingLogger(categoryName, lines);

        public void Dispose()
        {
        }
    }

    private sealed class CapturingLogger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var structured = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
            lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {structured} {exception}");
        }
    }
}

[CollectionDefinition(Name)]
public sealed class SecureServerCollection : ICollectionFixture<SecureServer>
{
    public const string Name = "secure server";
}
