using ContextHub.Server.Tests.Infrastructure;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace ContextHub.Server.Tests.Behaviour;

/// <summary>The sample tool touch_resource: its subscribers hear resources/updated; a URI outside test:// is a tool error naming the rule.</summary>
[Collection(ServerCollection.Name)]
public sealed class TouchResourceTests(TestServer server)
{
    [Fact]
    public async Task Subscribers_hear_the_touch_and_other_uris_are_refused()
    {
        await using var client = await McpClient.CreateAsync(
            new HttpClientTransport(new HttpClientTransportOptions { Endpoint = server.McpEndpoint, TransportMode = HttpTransportMode.StreamableHttp }),
            new McpClientOptions { ProtocolVersion = "2025-11-25" });
        var heard = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await client.SubscribeToResourceAsync("test://watched-resource", (notification, _) =>
        {
            heard.TrySetResult(notification.Uri);
            return ValueTask.CompletedTask;
        });

        var touched = await client.CallToolAsync("touch_resource", new Dictionary<string, object?> { ["uri"] = "test://watched-resource" });
        var outside = await client.CallToolAsync("touch_resource", new Dictionary<string, object?> { ["uri"] = "kb://documents/abc" });
        var empty = await client.CallToolAsync("touch_resource", new Dictionary<string, object?> { ["uri"] = "" });

        Assert.NotEqual(true, touched.IsError);
        Assert.Equal("test://watched-resource", await heard.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(outside.IsError);
        Assert.Contains("starting with test://", Assert.IsType<TextContentBlock>(Assert.Single(outside.Content)).Text, StringComparison.Ordinal);
        Assert.True(empty.IsError);
    }
}
