using ContextHub.Server.Tests.Infrastructure;
using ModelContextProtocol.Client;

namespace ContextHub.Server.Tests.SdkClient;

/// <summary>Connects the official C# SDK client to the test server in a given protocol revision.</summary>
internal static class SdkClients
{
    /// <summary>Every revision the server speaks: the stateless one and the session ones.</summary>
    public static TheoryData<string> Revisions => new() { "2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26" };

    public static TheoryData<string> SessionRevisions => new() { "2025-11-25", "2025-06-18", "2025-03-26" };

    public static Task<McpClient> ConnectAsync(TestServer server, string revision, McpClientHandlers? handlers = null) =>
        McpClient.CreateAsync(
            new HttpClientTransport(new HttpClientTransportOptions { Endpoint = server.McpEndpoint, TransportMode = HttpTransportMode.StreamableHttp }),
            new McpClientOptions
            {
                ProtocolVersion = revision,
                ClientInfo = new() { Name = "contexthub-tests", Version = "1.0" },
                Handlers = handlers ?? new McpClientHandlers(),
            });
}
