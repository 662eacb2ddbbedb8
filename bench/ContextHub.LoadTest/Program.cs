using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;

// A closed-loop load generator that drives the same echo tool call through each door of a running ContextHub, so the
// doors are compared with one client: N connections, each sending its next request when the last answer is in.
// Usage: contexthub-load <door: mcp|ws|rest|graphql> <base url, e.g. http://127.0.0.1:5100> [connections=32] [seconds=10]
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: ContextHub.LoadTest <mcp|ws|rest|graphql> <base-url> [connections] [seconds]");
    return 2;
}

var door = args[0];
var baseUrl = new Uri(args[1]);
var connections = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 32;
var seconds = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 10;

const string Meta = "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\",\"io.modelcontextprotocol/clientCapabilities\":{}}";
var mcpBody = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"message\":\"hello\"}," + Meta + "}}";
var (path, body, expect) = door switch
{
    "mcp" => ("/mcp", mcpBody, "echo: hello"),
    "ws" => ("/ws", mcpBody, "echo: hello"),
    "rest" => ("/api/v1/tools/echo/call", "{\"message\":\"hello\"}", "echo: hello"),
    "graphql" => ("/graphql", "{\"query\":\"mutation { callTool(name: \\\"echo\\\", arguments: {message: \\\"hello\\\"}) { isError content } }\"}", "echo: hello"),
    _ => throw new ArgumentException($"unknown door '{door}'"),
};

var deadline = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
var latencies = new List<long>[connections];
var errors = 0;
var workers = new Task[connections];
using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = connections, UseProxy = false };
using var http = new HttpClient(handler) { BaseAddress = baseUrl };
for (var i = 0; i < connections; i++)
{
    var mine = latencies[i] = new List<long>(1 << 16);
    workers[i] = door == "ws" ? RunWebSocketAsync(mine) : RunHttpAsync(mine);
}

await Task.WhenAll(workers);
var all = latencies.SelectMany(l => l).Order().ToArray();
double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
var p50 = all.Length > 0 ? Ms(all[all.Length / 2]) : 0;
var p99 = all.Length > 0 ? Ms(all[(int)(all.Length * 0.99)]) : 0;
Console.WriteLine(FormattableString.Invariant($"door={door} requests={all.Length} rps={all.Length / (double)seconds:F0} p50_ms={p50:F2} p99_ms={p99:F2} errors={errors}"));
return errors == 0 ? 0 : 1;

async Task RunHttpAsync(List<long> mine)
{
    var content = Encoding.UTF8.GetBytes(body);
    while (Stopwatch.GetTimestamp() < deadline)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(content) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        if (door == "mcp")
        {
            request.Headers.Add("Mcp-Method", "tools/call");
            request.Headers.Add("Mcp-Name", "echo");
            request.Headers.Add("MCP-Protocol-Version", "2026-07-28");
        }

        var started = Stopwatch.GetTimestamp();
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        mine.Add(Stopwatch.GetTimestamp() - started);
        if (!response.IsSuccessStatusCode || !text.Contains(expect, StringComparison.Ordinal))
        {
            Interlocked.Increment(ref errors);
        }
    }
}

async Task RunWebSocketAsync(List<long> mine)
{
    using var socket = new ClientWebSocket();
    socket.Options.AddSubProtocol("mcp");
    await socket.ConnectAsync(new Uri($"ws://{baseUrl.Authority}{path}"), CancellationToken.None);
    var content = Encoding.UTF8.GetBytes(body);
    var buffer = new byte[16 * 1024];
    while (Stopwatch.GetTimestamp() < deadline)
    {
        var started = Stopwatch.GetTimestamp();
        await socket.SendAsync(content, WebSocketMessageType.Text, true, CancellationToken.None);
        var length = 0;
        ValueWebSocketReceiveResult received;
        do
        {
            received = await socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None);
            length += received.Count;
        }
        while (!received.EndOfMessage);
        mine.Add(Stopwatch.GetTimestamp() - started);
        if (!Encoding.UTF8.GetString(buffer, 0, length).Contains(expect, StringComparison.Ordinal))
        {
            Interlocked.Increment(ref errors);
        }
    }

    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
}
