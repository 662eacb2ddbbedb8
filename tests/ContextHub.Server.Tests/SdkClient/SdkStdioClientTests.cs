using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace ContextHub.Server.Tests.SdkClient;

/// <summary>The official C# SDK client starts <c>contexthub --stdio</c> as a child process, as a desktop client does.</summary>
public sealed class SdkStdioClientTests
{
    [Theory]
    [InlineData("2026-07-28")]
    [InlineData("2025-11-25")]
    [InlineData("2025-03-26")]
    public async Task Serves_a_desktop_client_on_stdio(string revision)
    {
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = "contexthub",
            Command = "dotnet",
            Arguments = [Path.Combine(AppContext.BaseDirectory, "contexthub.dll"), "--stdio", "--Logging:LogLevel:Default=Warning"],
            WorkingDirectory = AppContext.BaseDirectory,
        });
        // The client gives a server 5 s to answer its first server/discover; the server answers in about 1.3 s on an idle
        // machine (the knowledge store opens in the background), but the test run loads both cores with other suites.
        await using var client = await McpClient.CreateAsync(transport, new McpClientOptions { ProtocolVersion = revision, DiscoverProbeTimeout = TimeSpan.FromSeconds(30) });

        var tools = await client.ListToolsAsync();
        var result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "over stdio" });
        var prompts = await client.ListPromptsAsync();
        var readme = await client.ReadResourceAsync("res://samples/README.md");

        Assert.Equal(revision, client.NegotiatedProtocolVersion);
        Assert.Contains(tools, t => t.Name == "echo");
        Assert.Equal("echo: over stdio", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
        Assert.Contains(prompts, p => p.Name == "code_review");
        Assert.Contains("sample resources", Assert.IsType<TextResourceContents>(Assert.Single(readme.Contents)).Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Progress_and_elicitation_work_over_stdio()
    {
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Command = "dotnet",
            Arguments = [Path.Combine(AppContext.BaseDirectory, "contexthub.dll"), "--stdio", "--Logging:LogLevel:Default=Warning"],
        });
        var handlers = new McpClientHandlers
        {
            ElicitationHandler = (_, _) => ValueTask.FromResult(new ElicitResult { Action = "decline" }),
        };
        await using var client = await McpClient.CreateAsync(transport, new McpClientOptions { ProtocolVersion = "2025-11-25", Handlers = handlers });
        await using var progress = ProgressRecorder.Listen(client, expected: 3);

        await client.CallToolAsync("countdown", new Dictionary<string, object?> { ["from"] = 2, ["intervalMs"] = 1 },
            options: progress.Options);
        var asked = await client.CallToolAsync("ask_user", new Dictionary<string, object?> { ["question"] = "Continue?" });
        var updates = await progress.WaitForAllAsync();

        // As over HTTP, this client may hand the notifications to its handler out of order.
        Assert.Equal([0f, 1f, 2f], updates.Select(u => u.Progress));
        Assert.Equal("The user declined to answer.", Assert.IsType<TextContentBlock>(Assert.Single(asked.Content)).Text);
    }
}
