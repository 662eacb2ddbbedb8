using System.Net;
using ContextHub.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ContextHub.Server.Tests.Infrastructure;

/// <summary>
/// A real ContextHub gateway on Kestrel at 127.0.0.1 (random port), with the samples and the conformance fixture,
/// and its own copies of the prompt, resource and tool folders so tests may edit them.
/// </summary>
public class TestServer : IAsyncLifetime
{
    private WebApplication? _app;

    public string DataFolder { get; } = Path.Combine(Path.GetTempPath(), "contexthub-tests-" + Guid.NewGuid().ToString("N")[..8]);

    public string PromptsFolder => Path.Combine(DataFolder, "prompts");

    public string ResourcesFolder => Path.Combine(DataFolder, "resources");

    public string ToolsFolder => Path.Combine(DataFolder, "tools");

    public Uri BaseAddress { get; private set; } = null!;

    public Uri McpEndpoint => new(BaseAddress, "/mcp");

    public IServiceProvider Services => _app!.Services;

    public async Task InitializeAsync()
    {
        var samples = Path.Combine(AppContext.BaseDirectory, "samples");
        CopyFolder(Path.Combine(samples, "prompts"), PromptsFolder);
        CopyFolder(Path.Combine(samples, "resources"), ResourcesFolder);
        CopyFolder(Path.Combine(samples, "tools"), ToolsFolder);

        var settings = new Dictionary<string, string?>
        {
            ["AllowedHosts"] = "localhost;127.0.0.1",
            ["ContextHub:Samples:Enabled"] = "true",
            ["ContextHub:Samples:Conformance"] = "true",
            ["ContextHub:Prompts:Folder"] = PromptsFolder,
            ["ContextHub:Tools:Folder"] = ToolsFolder,
            ["ContextHub:Resources:Folders:samples"] = ResourcesFolder,
            ["ContextHub:Gateway:MaxRequestBodyBytes"] = "65536",
            ["ContextHub:Gateway:KeepAliveInterval"] = "00:00:02",
            ["ContextHub:Knowledge:DataFolder"] = Path.Combine(DataFolder, "knowledge"),
            ["ContextHub:Knowledge:Embeddings:Provider"] = "Hashing",
        };

        Configure(settings);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        ConfigureLogging(builder.Logging);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddContextHubServer(builder.Configuration);

        _app = builder.Build();
        _app.MapContextHub();
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
    }

    /// <summary>Settings a derived fixture adds or changes before the server is built.</summary>
    protected virtual void Configure(Dictionary<string, string?> settings)
    {
    }

    protected virtual void ConfigureLogging(ILoggingBuilder logging)
    {
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        try
        {
            Directory.Delete(DataFolder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        if (!Directory.Exists(from))
        {
            return;
        }

        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ServerCollection : ICollectionFixture<TestServer>
{
    public const string Name = "server";
}
