using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ContextHub.Server.Gateway.Security;
using ContextHub.Server.Hosting;
using ContextHub.Server.Tests.Redis;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ContextHub.Server.Tests.WebConsole;

/// <summary>
/// Several replicas, one Data Protection key ring: a console session cookie sealed by one server instance is read by
/// another that shares the ring, through a shared folder (<c>ContextHub:Console:KeyRingPath</c>) or through a real
/// redis-server (<c>ContextHub:Redis:Configuration</c>); an instance with a ring of its own cannot read it.
/// </summary>
public sealed class ConsoleKeyRingTests : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "contexthub-keyring-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly List<WebApplication> _apps = [];

    private string KeyFile => Path.Combine(_folder, "keys.json");

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var app in _apps)
        {
            await app.DisposeAsync();
        }

        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task A_cookie_from_one_replica_is_accepted_by_another_sharing_the_key_ring_folder()
    {
        var ring = Path.Combine(_folder, "ring");
        var first = await StartAsync(new() { ["ContextHub:Console:KeyRingPath"] = ring }, contentRoot: Path.Combine(_folder, "a"));
        var key = first.Services.GetRequiredService<ApiKeyStore>().Create("replicas", ["*"], null).Key;
        // Another installation folder (content root): the shared ring's application name still matches.
        var second = await StartAsync(new() { ["ContextHub:Console:KeyRingPath"] = ring }, contentRoot: Path.Combine(_folder, "b"));
        var alone = await StartAsync(new() { ["ContextHub:Console:KeyRingPath"] = Path.Combine(_folder, "other-ring") }, contentRoot: Path.Combine(_folder, "c"));
        var cookie = await SignInAsync(first, key);
        Assert.NotEmpty(Directory.GetFiles(ring, "key-*.xml"));
        await AssertAcceptedAsync(second, cookie);
        await AssertRefusedAsync(alone, cookie);
    }

    [Fact]
    public async Task A_cookie_from_one_replica_is_accepted_by_another_sharing_redis()
    {
        await using var redis = new RedisServer(Path.Combine(_folder, "redis"));
        await redis.StartAsync();
        var first = await StartAsync(new() { ["ContextHub:Redis:Configuration"] = redis.Configuration }, contentRoot: Path.Combine(_folder, "a"));
        var key = first.Services.GetRequiredService<ApiKeyStore>().Create("replicas", ["*"], null).Key;
        var second = await StartAsync(new() { ["ContextHub:Redis:Configuration"] = redis.Configuration }, contentRoot: Path.Combine(_folder, "b"));
        var alone = await StartAsync([], contentRoot: Path.Combine(_folder, "c"));

        var cookie = await SignInAsync(first, key);
        // The ring is in Redis (not in the per-user folder both instances could also read).
        var connection = first.Services.GetRequiredService<ContextHub.Redis.RedisConnection>();
        Assert.True(await connection.Database.ListLengthAsync(connection.Key("dataprotection-keys")) > 0);
        await AssertAcceptedAsync(second, cookie);
        await AssertRefusedAsync(alone, cookie);
    }

    [Fact]
    public async Task A_key_ring_path_that_cannot_be_a_folder_stops_the_server_naming_the_setting()
    {
        var file = Path.Combine(_folder, "a-file");
        await File.WriteAllTextAsync(file, "not a folder");
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(new() { ["ContextHub:Console:KeyRingPath"] = Path.Combine(file, "ring") }, _folder));
        Assert.Contains("ContextHub:Console:KeyRingPath", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Signs in on <paramref name="app"/> and returns the Cookie header a browser would send next.</summary>
    private static async Task<string> SignInAsync(WebApplication app, string key)
    {
        using var client = new HttpClient { BaseAddress = Address(app) };
        var response = await client.PostAsJsonAsync("/console/session", new { key });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return string.Join("; ", response.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));
    }

    private static async Task AssertAcceptedAsync(WebApplication app, string cookie)
    {
        using var client = new HttpClient { BaseAddress = Address(app) };
        client.DefaultRequestHeaders.Add("Cookie", cookie);
        var session = await client.GetFromJsonAsync<JsonElement>("/console/session");
        Assert.True(session.GetProperty("signedIn").GetBoolean(), "the other replica could not unseal the session cookie");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/tools")).StatusCode);
    }

    private static async Task AssertRefusedAsync(WebApplication app, string cookie)
    {
        using var client = new HttpClient { BaseAddress = Address(app) };
        client.DefaultRequestHeaders.Add("Cookie", cookie);
        Assert.False((await client.GetFromJsonAsync<JsonElement>("/console/session")).GetProperty("signedIn").GetBoolean());
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/tools")).StatusCode);
    }

    private async Task<WebApplication> StartAsync(Dictionary<string, string?> extra, string contentRoot)
    {
        Directory.CreateDirectory(contentRoot);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing", ContentRootPath = contentRoot });
        var settings = new Dictionary<string, string?>
        {
            ["AllowedHosts"] = "127.0.0.1",
            ["ContextHub:Samples:Enabled"] = "true",
            ["ContextHub:Knowledge:Enabled"] = "false",
            ["ContextHub:Security:RequireAuthentication"] = "true",
            ["ContextHub:Security:ApiKeys:File"] = KeyFile,
        };
        foreach (var (k, v) in extra)
        {
            settings[k] = v;
        }

        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.SetMinimumLevel(LogLevel.Error);
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

        _apps.Add(app);
        return app;
    }

    private static Uri Address(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
}
