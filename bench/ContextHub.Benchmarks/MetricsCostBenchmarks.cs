using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using ContextHub.Hosting;
using ContextHub.Messaging;
using ContextHub.Protocol;
using ContextHub.Samples;
using ContextHub.Server.Observability;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;

namespace ContextHub.Benchmarks;

/// <summary>
/// The cost of metrics on the engine's hot path: the same stateless <c>tools/call</c> of <c>echo</c> through the Message
/// Manager with the server's metrics export on (OpenTelemetry aggregating every exported meter, as <c>/metrics</c> does)
/// and off. In process, so the comparison is not at the mercy of the load generator sharing the cores.
/// </summary>
[MemoryDiagnoser]
public class MetricsCostBenchmarks
{
    private static readonly byte[] Request = Encoding.UTF8.GetBytes(
        """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hello"},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}""");

    private static readonly McpCaller Caller = new(McpTransportKind.StreamableHttp);

    private ServiceProvider _services = null!;
    private MessageManager _manager = null!;

    [Params(false, true)]
    public bool Metrics { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ContextHub:Knowledge:Enabled"] = "false",
            ["ContextHub:Observability:Metrics:Enabled"] = Metrics ? "true" : "false",
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        services.AddContextHub(configuration).WithTools(typeof(SampleTools));
        services.AddContextHubObservability(configuration);
        _services = services.BuildServiceProvider();
        _ = _services.GetService<MeterProvider>(); // starts listening, as the host does at start
        _manager = _services.GetRequiredService<MessageManager>();
    }

    [GlobalCleanup]
    public void Cleanup() => _services.Dispose();

    [Benchmark]
    public async Task<int> ToolsCallEcho()
    {
        using var document = JsonDocument.Parse(Request);
        JsonRpcMessage.Classify(document.RootElement, out var method, out var id, out var parameters, out _);
        var request = new McpRequest { Method = method, Id = id, Params = parameters, Caller = Caller };
        var result = await _manager.ProcessAsync(request, CancellationToken.None);
        using var buffer = JsonRpcBuffer.Rent();
        JsonRpcWriter.WriteResult(buffer.Writer, id, result);
        return buffer.WrittenMemory.Length;
    }
}
