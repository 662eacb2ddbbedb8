using ContextHub.Server.Hosting;
using ContextHub.Server.KnowledgeBase;

// `contexthub ingest PATH…` fills the knowledge store from files and folders, with a progress bar.
if (args.Length > 0 && args[0] == "ingest")
{
    return await IngestCommand.RunAsync(args[1..]);
}

// `contexthub apikey create|list|revoke` manages the API keys in the data folder.
if (args.Length > 0 && args[0] == "apikey")
{
    return ContextHub.Server.Gateway.Security.ApiKeyCommand.Run(args[1..], Console.Out, Console.Error);
}

// `contexthub --stdio` serves one desktop client on stdin/stdout; otherwise the HTTP gateway runs.
if (args.Contains("--stdio"))
{
    var stdioArgs = args.Where(a => a != "--stdio").ToArray();
    var host = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = stdioArgs, ContentRootPath = AppContext.BaseDirectory });
    host.Logging.ClearProviders();
    host.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
    host.Services.AddContextHubServer(host.Configuration);
    host.Services.AddStdioDoor();
    await host.Build().RunAsync();
    return Environment.ExitCode; // 1 when a part that must start could not (the knowledge store)
}

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
builder.Services.AddContextHubServer(builder.Configuration);

var app = builder.Build();
app.MapContextHub();
await app.RunAsync();
return Environment.ExitCode; // 1 when a part that must start could not (the knowledge store)

/// <summary>The gateway's entry point (public so tests can host the whole app).</summary>
public partial class Program;
