using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using ContextHub.Server.Tests.Infrastructure;
using ContextHub.Server.Tests.SdkClient;
using ContextHub.Tools;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Protocol;

namespace ContextHub.Server.Tests.Doors;

/// <summary>One change on the server reaches a client on every door: the MCP HTTP stream, a WebSocket client and a GraphQL subscriber.</summary>
[Collection(ServerCollection.Name)]
public sealed class NotificationFanOutTests(TestServer server)
{
    [Theory]
    [InlineData("tool added", NotificationMethods.ToolListChangedNotification, "toolsListChanged", "TOOLS_LIST_CHANGED")]
    [InlineData("prompt file edited", NotificationMethods.PromptListChangedNotification, "promptsListChanged", "PROMPTS_LIST_CHANGED")]
    public async Task A_change_reaches_every_door(string change, string mcpMethod, string graphqlField, string graphqlKind)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        // MCP over HTTP: a session client with its GET stream.
        var httpHeard = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var httpClient = await SdkClients.ConnectAsync(server, "2025-11-25");
        await using var registration = httpClient.RegisterNotificationHandler(mcpMethod, (_, _) =>
        {
            httpHeard.TrySetResult();
            return ValueTask.CompletedTask;
        });

        // MCP over WebSocket: a session on the socket itself.
        using var mcpSocket = await ConnectAsync("/ws", "mcp");
        await SendAsync(mcpSocket, """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"fan-out","version":"1"}}}""");
        await ReceiveUntilAsync(mcpSocket, m => m.TryGetProperty("id", out _), timeout.Token);
        await SendAsync(mcpSocket, """{"jsonrpc":"2.0","method":"notifications/initialized"}""");
        var wsHeard = ReceiveUntilAsync(mcpSocket, m => m.TryGetProperty("method", out var x) && x.GetString() == mcpMethod, timeout.Token);

        // GraphQL: a graphql-transport-ws subscription.
        using var graphqlSocket = await ConnectAsync("/graphql", "graphql-transport-ws");
        await SendAsync(graphqlSocket, """{"type":"connection_init"}""");
        await ReceiveUntilAsync(graphqlSocket, m => m.GetProperty("type").GetString() == "connection_ack", timeout.Token);
        await SendAsync(graphqlSocket, "{\"id\":\"s1\",\"type\":\"subscribe\",\"payload\":{\"query\":\"subscription { " + graphqlField + " { kind } }\"}}");
        var graphqlHeard = ReceiveUntilAsync(graphqlSocket, m => m.GetProperty("type").GetString() == "next", timeout.Token);

        // Change the server until every door has heard (the first change may beat a subscription that is still starting).
        var all = Task.WhenAll(httpHeard.Task, wsHeard, graphqlHeard);
        try
        {
            while (!all.IsCompleted && !timeout.IsCancellationRequested)
            {
                await ChangeAsync(change);
                await Task.WhenAny(all, Task.Delay(300, timeout.Token));
            }

            await all;
        }
        finally
        {
            File.Delete(Path.Combine(server.PromptsFolder, "fan_out.md"));
        }

        Assert.Equal(mcpMethod, (await wsHeard).GetProperty("method").GetString());
        Assert.Equal(graphqlKind, (await graphqlHeard).GetProperty("payload").GetProperty("data").GetProperty(graphqlField).GetProperty("kind").GetString());
    }

    private async Task ChangeAsync(string change)
    {
        if (change == "tool added")
        {
            var registry = server.Services.GetRequiredService<ToolRegistry>();
            registry.Add(MethodTool.FromMethod(typeof(NotificationFanOutTests).GetMethod(nameof(Temporary), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!, name: "fan_out_temporary"));
            registry.Remove("fan_out_temporary");
            return;
        }

        await File.WriteAllTextAsync(Path.Combine(server.PromptsFolder, "fan_out.md"),
            $"---\nname: fan_out\ndescription: Written at {DateTime.UtcNow:O}.\n---\nHello.\n");
    }

    [McpTool]
    [System.ComponentModel.Description("Exists for a moment.")]
    private static string Temporary() => "here";

    private async Task<ClientWebSocket> ConnectAsync(string path, string subProtocol)
    {
        var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol(subProtocol);
        await socket.ConnectAsync(new Uri($"ws://{server.BaseAddress.Authority}{path}"), CancellationToken.None);
        return socket;
    }

    private static Task SendAsync(ClientWebSocket socket, string message) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text, true, CancellationToken.None);

    private static async Task<JsonElement> ReceiveUntilAsync(ClientWebSocket socket, Func<JsonElement, bool> wanted, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        while (true)
        {
            using var message = new MemoryStream();
            WebSocketReceiveResult received;
            do
            {
                received = await socket.ReceiveAsync(buffer, cancellationToken);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    throw new InvalidOperationException($"the socket closed: {received.CloseStatus} {received.CloseStatusDescription}");
                }

                message.Write(buffer, 0, received.Count);
            }
            while (!received.EndOfMessage);

            var element = JsonDocument.Parse(message.ToArray()).RootElement.Clone();
            if (wanted(element))
            {
                return element;
            }
        }
    }
}
