using System.Collections.Concurrent;
using ModelContextProtocol.Client;

namespace ContextHub.Server.Tests.Redis;

/// <summary>
/// Two ContextHub processes over one real Redis, behind a real haproxy (round robin, no affinity). They share the
/// knowledge store's folder, as replicas share a knowledge backend in production.
/// </summary>
public sealed class ScaleOutCluster : IAsyncLifetime
{
    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "contexthub-scaleout-" + Guid.NewGuid().ToString("N")[..8]);

    public RedisServer Redis { get; private set; } = null!;

    public Replica A { get; private set; } = null!;

    public Replica B { get; private set; } = null!;

    public LoadBalancer Balancer { get; private set; } = null!;

    public IReadOnlyList<Replica> Replicas => [A, B];

    /// <summary>How long a task outlives the replica running it (short, so a test sees it end).</summary>
    public static readonly TimeSpan TaskLease = TimeSpan.FromSeconds(2);

    public Replica Named(string name) => name == A.Name ? A : name == B.Name ? B : throw new ArgumentException($"No replica '{name}'.", nameof(name));

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Folder);
        Redis = new RedisServer(Folder);
        await Redis.StartAsync();
        A = new Replica("a", Folder);
        B = new Replica("b", Folder);
        string[] settings =
        [
            $"--ContextHub:Redis:Configuration={Redis.Configuration}",
            "--ContextHub:Redis:Timeout=00:00:01",
            $"--ContextHub:Redis:TaskLease={TaskLease:c}",
            $"--ContextHub:Knowledge:DataFolder={Path.Combine(Folder, "knowledge")}",
            "--ContextHub:Knowledge:Embeddings:Provider=Hashing",
            "--ContextHub:Knowledge:RecordToolCalls=false",
            "--ContextHub:Samples:Enabled=true",
            "--ContextHub:Samples:Conformance=true",
            "--ContextHub:Gateway:KeepAliveInterval=00:00:01",
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:ContextHub.Redis=Information",
        ];
        // One after the other: the first creates the knowledge store, the second opens it.
        await A.StartAsync(settings);
        await B.StartAsync(settings);
        Balancer = new LoadBalancer(Folder);
        await Balancer.StartAsync(Replicas);
    }

    public async Task DisposeAsync()
    {
        await Balancer.DisposeAsync();
        await A.DisposeAsync();
        await B.DisposeAsync();
        await Redis.DisposeAsync();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>The official C# SDK client through the load balancer, in the session revision, its HTTP traffic recorded.</summary>
    public async Task<(McpClient Client, ReplicaRecorder Seen)> ConnectAsync(McpClientHandlers? handlers = null, Uri? endpoint = null,
        string revision = "2025-11-25")
    {
        var seen = new ReplicaRecorder();
        var http = new HttpClient(seen) { Timeout = Timeout.InfiniteTimeSpan };
        var transport = new HttpClientTransport(
            new HttpClientTransportOptions { Endpoint = endpoint ?? Balancer.McpEndpoint, TransportMode = HttpTransportMode.StreamableHttp },
            http, ownsHttpClient: true);
        var client = await McpClient.CreateAsync(transport, new McpClientOptions
        {
            ProtocolVersion = revision,
            ClientInfo = new() { Name = "contexthub-scaleout-tests", Version = "1.0" },
            Handlers = handlers ?? new McpClientHandlers(),
        });
        return (client, seen);
    }
}

/// <summary>Records which replica (haproxy's <c>X-Replica</c>) answered each request.</summary>
public sealed class ReplicaRecorder() : DelegatingHandler(new SocketsHttpHandler())
{
    public ConcurrentQueue<(string Method, string Replica, int Status)> Answers { get; } = new();

    /// <summary>Each POST's JSON-RPC method ("response" for the client's answers) and the replica that took it.</summary>
    public ConcurrentQueue<(string RpcMethod, string Replica)> Calls { get; } = new();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Method == HttpMethod.Post && request.Content is not null ? await request.Content.ReadAsStringAsync(cancellationToken) : null;
        var response = await base.SendAsync(request, cancellationToken);
        var replica = response.Headers.TryGetValues("X-Replica", out var values) ? values.First() : "direct";
        Answers.Enqueue((request.Method.Method, replica, (int)response.StatusCode));
        if (body is not null && System.Text.Json.Nodes.JsonNode.Parse(body) is System.Text.Json.Nodes.JsonObject message)
        {
            Calls.Enqueue((message["method"]?.GetValue<string>() ?? "response", replica));
        }

        return response;
    }

    public IReadOnlySet<string> Replicas(string method) => Answers.Where(a => a.Method == method).Select(a => a.Replica).ToHashSet();

    /// <summary>The replica holding the session's GET stream (the SDK opens it in the background after initialize).</summary>
    public async Task<string> StreamReplicaAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (Answers.LastOrDefault(a => a.Method == "GET" && a.Status == 200) is { Replica: { } replica })
            {
                return replica;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException("The client opened no GET stream.");
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RedisCollection
{
    public const string Name = "Redis scale-out";
}
