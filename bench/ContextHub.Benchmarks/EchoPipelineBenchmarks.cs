using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using ContextHub.Hosting;
using ContextHub.Messaging;
using ContextHub.Protocol;
using ContextHub.Samples;
using ContextHub.Tools;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ContextHub.Benchmarks;

/// <summary>
/// The engine's hot path without HTTP: one stateless <c>tools/call</c> of <c>echo</c> from bytes in to bytes out, and
/// its parts (argument validation, tool invocation), with allocations per operation.
/// </summary>
[MemoryDiagnoser]
public class EchoPipelineBenchmarks
{
    private static readonly byte[] Request = Encoding.UTF8.GetBytes(
        """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hello"},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}""");

    private static readonly JsonElement Arguments = JsonDocument.Parse("""{"message":"hello"}""").RootElement;
    private static readonly McpCaller Caller = new(McpTransportKind.InProcess);

    private ServiceProvider _services = null!;
    private MessageManager _manager = null!;
    private RegisteredTool _echo = null!;

    [GlobalSetup]
    public void Setup()
    {
        var configuration = new ConfigurationBuilder().Build();
        var services = new ServiceCollection();
        services.AddLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        services.AddContextHub(configuration).WithTools(typeof(SampleTools));
        _services = services.BuildServiceProvider();
        _manager = _services.GetRequiredService<MessageManager>();
        _services.GetRequiredService<ToolRegistry>().TryGet("echo", out _echo!);
    }

    [GlobalCleanup]
    public void Cleanup() => _services.Dispose();

    [Benchmark(Baseline = true)]
    public async Task<int> ToolsCallEchoEndToEnd()
    {
        using var document = JsonDocument.Parse(Request);
        JsonRpcMessage.Classify(document.RootElement, out var method, out var id, out var parameters, out _);
        var request = new McpRequest { Method = method, Id = id, Params = parameters, Caller = Caller };
        var result = await _manager.ProcessAsync(request, CancellationToken.None);
        using var buffer = JsonRpcBuffer.Rent();
        JsonRpcWriter.WriteResult(buffer.Writer, id, result);
        return buffer.WrittenMemory.Length;
    }

    [Benchmark]
    public void ValidateArguments() => _echo.Validator.Validate(Arguments);

    [Benchmark]
    public async Task<object> InvokeEchoMethod()
    {
        var request = new McpRequest { Method = "tools/call", Caller = Caller };
        return await _echo.Tool.InvokeAsync(new McpCallContext(request, _services, CancellationToken.None), Arguments);
    }
}
