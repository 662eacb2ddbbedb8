using System.ComponentModel;
using ModelContextProtocol.Server;

// Baseline: the official C# SDK (ModelContextProtocol.AspNetCore) serving one tool over stateless Streamable HTTP.
// Listens where --urls says (e.g. --urls http://127.0.0.1:5102); MCP endpoint at /mcp.
// Same host shape as src/ContextHub.Server: the default builder, no Server header, logging at Warning.
var builder = WebApplication.CreateBuilder(args);
builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
builder.Logging.SetMinimumLevel(LogLevel.Warning);

builder.Services
    .AddMcpServer()
    .WithHttpTransport(options => options.Stateless = true)
    .WithTools<EchoTool>();

var app = builder.Build();
app.MapMcp("/mcp");
app.Run();

[McpServerToolType]
internal sealed class EchoTool
{
    [McpServerTool(Name = "echo"), Description("Echoes the message back.")]
    public static string Echo([Description("The message to echo.")] string message) => "echo: " + message;
}
