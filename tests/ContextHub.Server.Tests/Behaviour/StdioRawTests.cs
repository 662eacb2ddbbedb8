using System.Diagnostics;
using System.Text.Json;

namespace ContextHub.Server.Tests.Behaviour;

/// <summary>What bad input gets on stdio: a JSON-RPC error line on stdout, and the server keeps serving.</summary>
public sealed class StdioRawTests
{
    [Fact]
    public async Task Bad_lines_get_errors_and_the_server_goes_on_until_stdin_closes()
    {
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "contexthub.dll"), "--stdio", "--Logging:LogLevel:Default=Warning" },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        _ = process.StandardError.ReadToEndAsync();
        var stdin = process.StandardInput;

        async Task<JsonElement> SendAsync(string line)
        {
            await stdin.WriteLineAsync(line);
            await stdin.FlushAsync();
            var answer = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            return JsonDocument.Parse(answer!).RootElement.Clone();
        }

        var parse = await SendAsync("{not json");
        var invalid = await SendAsync("""{"jsonrpc":"1.0","id":2,"method":"tools/list"}""");
        var noSession = await SendAsync("""{"jsonrpc":"2.0","id":3,"method":"tools/list"}""");
        var stateless = await SendAsync("""{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"echo","arguments":{"message":"still here"},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}""");
        stdin.Close();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(-32700, parse.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(-32600, invalid.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(2, invalid.GetProperty("id").GetInt32());
        Assert.Equal(-32600, noSession.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal("echo: still here", stateless.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal(0, process.ExitCode);
    }
}
