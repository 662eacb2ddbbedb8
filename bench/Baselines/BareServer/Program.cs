using System.Text.Json;
using System.Text.Json.Serialization;

// Ceiling baseline: what Kestrel + minimal API + source-generated System.Text.Json cost for the echo round trip.
// POST /mcp reads the JSON-RPC tools/call request, builds the same result object ContextHub returns, and writes it.
// No MCP logic at all: no header checks, no version negotiation, no tool lookup.
var builder = WebApplication.CreateBuilder(args);
builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
builder.Logging.SetMinimumLevel(LogLevel.Warning);

var app = builder.Build();

app.MapPost("/mcp", static async (HttpContext context) =>
{
    var request = await context.Request.ReadFromJsonAsync(BareJsonContext.Default.EchoRequest, context.RequestAborted);
    if (request is null || request.Method != "tools/call" || request.Params?.Name != "echo")
    {
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        return;
    }

    var message = request.Params.Arguments?.Message ?? string.Empty;
    var response = new EchoResponse
    {
        Id = request.Id,
        Result = new EchoResult { Content = [new TextContent { Text = "echo: " + message }] },
    };

    // One buffered write with Content-Length (no chunked framing), as a tuned endpoint would do for a small reply.
    var bytes = JsonSerializer.SerializeToUtf8Bytes(response, BareJsonContext.Default.EchoResponse);
    context.Response.ContentType = "application/json";
    context.Response.ContentLength = bytes.Length;
    await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
});

app.Run();

internal sealed class EchoRequest
{
    [JsonPropertyName("jsonrpc")] public string? JsonRpc { get; set; }
    [JsonPropertyName("id")] public JsonElement Id { get; set; }
    [JsonPropertyName("method")] public string? Method { get; set; }
    [JsonPropertyName("params")] public EchoParams? Params { get; set; }
}

internal sealed class EchoParams
{
    [JsonPropertyName("name")] public string? Name { get; set; }
    [JsonPropertyName("arguments")] public EchoArguments? Arguments { get; set; }
    [JsonPropertyName("_meta")] public JsonElement Meta { get; set; }
}

internal sealed class EchoArguments
{
    [JsonPropertyName("message")] public string? Message { get; set; }
}

internal sealed class EchoResponse
{
    [JsonPropertyName("jsonrpc")] public string JsonRpc { get; set; } = "2.0";
    [JsonPropertyName("id")] public JsonElement Id { get; set; }
    [JsonPropertyName("result")] public EchoResult? Result { get; set; }
}

internal sealed class EchoResult
{
    [JsonPropertyName("content")] public IReadOnlyList<TextContent> Content { get; set; } = [];
    [JsonPropertyName("resultType")] public string ResultType { get; set; } = "complete";
}

internal sealed class TextContent
{
    [JsonPropertyName("type")] public string Type { get; set; } = "text";
    [JsonPropertyName("text")] public string Text { get; set; } = string.Empty;
}

[JsonSerializable(typeof(EchoRequest))]
[JsonSerializable(typeof(EchoResponse))]
internal sealed partial class BareJsonContext : JsonSerializerContext;
