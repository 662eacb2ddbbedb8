using System.Security.Cryptography;
using System.Text.Json;
using System.Threading.Channels;
using BenchmarkDotNet.Attributes;
using ContextHub.Knowledge;
using ContextHub.Knowledge.Embedded;
using ContextHub.Messaging;
using ContextHub.Protocol;
using ContextHub.Server.KnowledgeBase;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Protocol;

namespace ContextHub.Benchmarks;

/// <summary>
/// The tool-call record's step on the request's path: from a finished <c>tools/call</c> of <c>echo</c> to a queued
/// record. <see cref="Before"/> is the step as it was (a <see cref="ToolCallRecord"/> built on the request's thread:
/// arguments copied to a string and hashed, caller and result formatted, a new id) queued in the same kind of bounded
/// channel; <see cref="After"/> calls <see cref="ToolCallRecorder.Record"/>. Both empty their queue after each batch
/// of 1,000 records, so neither fills up; the writer is not running.
/// </summary>
[MemoryDiagnoser]
public class ToolCallRecordBenchmarks
{
    private const int Batch = 1_000;
    private readonly Channel<ToolCallRecord> _before = Channel.CreateBounded<ToolCallRecord>(
        new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    private JsonDocument _document = null!;
    private McpRequest _request = null!;
    private McpResult _result;
    private ToolCallRecorder _recorder = null!;
    private ServiceProvider _services = null!;

    [GlobalSetup]
    public void Setup()
    {
        _document = JsonDocument.Parse("""{"name":"echo","arguments":{"message":"hello"},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}""");
        _request = new McpRequest { Method = "tools/call", Params = _document.RootElement, Caller = new McpCaller(McpTransportKind.StreamableHttp) };
        _result = McpResult.Of(new CallToolResult { Content = [new TextContentBlock { Text = "echo: hello" }] }, McpJson.TypeInfo<CallToolResult>());
        var options = Options.Create(new KnowledgeServerOptions());
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var store = new EmbeddedKnowledgeStoreOpener(Options.Create(new EmbeddedStoreOptions { DataFolder = Path.GetTempPath() }), NullLogger<EmbeddedKnowledgeStore>.Instance); // never opened
        var knowledge = new KnowledgeHost(store, new ContextHub.Knowledge.Embeddings.HashingEmbeddingGenerator(), Options.Create(new KnowledgeOptions()), NullLoggerFactory.Instance, TimeProvider.System, _services);
        _recorder = new ToolCallRecorder(knowledge, options, TimeProvider.System, _services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(),
            NullLogger<ToolCallRecorder>.Instance);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _recorder.Dispose();
        _services.Dispose();
        _document.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    public int Before()
    {
        for (var i = 0; i < Batch; i++)
        {
            RecordAsBefore(_request, _result, null, TimeSpan.FromTicks(1234));
        }

        var count = 0;
        while (_before.Reader.TryRead(out _))
        {
            count++;
        }

        return count;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public int After()
    {
        for (var i = 0; i < Batch; i++)
        {
            _recorder.Record(_request, _result, null, TimeSpan.FromTicks(1234));
        }

        return _recorder.DiscardQueued();
    }

    // The record step as it was before the queue held structs (ToolCallRecorder.Record at commit b13aec3), line for line.
    private void RecordAsBefore(McpRequest request, in McpResult result, Exception? error, TimeSpan duration)
    {
        if (request.Method != "tools/call" || request.Params.ValueKind != JsonValueKind.Object
            || !request.Params.TryGetProperty("name"u8, out var name) || name.ValueKind != JsonValueKind.String)
        {
            return;
        }

        var arguments = request.Params.TryGetProperty("arguments"u8, out var args) ? args.GetRawText() : "{}";
        if (error is ClientInputRequiredException || (error is null && result.Value is not CallToolResult))
        {
            return;
        }

        var (outcome, text) = (result.Value, error) switch
        {
            (_, McpErrorException e) => (ToolCallOutcome.Error, $"error {e.Code}: {e.Message}"),
            (_, OperationCanceledException) => (ToolCallOutcome.Cancelled, ""),
            (_, { } e) => (ToolCallOutcome.Error, e.GetType().Name),
            (CallToolResult { IsError: true } r, _) => (ToolCallOutcome.Error, TextOf(r)),
            (CallToolResult r, _) => (ToolCallOutcome.Success, TextOf(r)),
            _ => (ToolCallOutcome.Success, ""),
        };
        var record = new ToolCallRecord
        {
            Caller = $"{request.Caller.Identity}@{request.Caller.Transport.ToString().ToLowerInvariant()}",
            Tool = name.GetString()!,
            ArgumentsHash = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(arguments))),
            Duration = duration,
            Outcome = outcome,
            Result = text.Length <= 200 ? text : text[..200] + "…",
            Timestamp = TimeProvider.System.GetUtcNow(),
            SessionId = request.Session?.Id,
        };
        _before.Writer.TryWrite(record);
    }

    private static string TextOf(CallToolResult result) =>
        string.Join(" ", result.Content.OfType<TextContentBlock>().Select(t => t.Text));
}

/// <summary>
/// The writer's step: 5,000 records into the embedded store in one transaction. Before: what the store did (a random
/// id per record, an awaited ExecuteNonQueryAsync per row); after: time-ordered ids, as the recorder now makes them.
/// </summary>
[MemoryDiagnoser]
public class ToolCallStoreBenchmarks
{
    private const int Rows = 5_000;
    private string _folder = null!;
    private EmbeddedKnowledgeStore _store = null!;
    private ToolCallRecord[] _randomIds = null!;

    [GlobalSetup]
    public void Setup()
    {
        _folder = Directory.CreateTempSubdirectory("contexthub-bench-").FullName;
        _store = EmbeddedKnowledgeStore.OpenAsync(_folder).GetAwaiter().GetResult();
        _randomIds = [.. Enumerable.Range(0, Rows).Select(i => Make(Guid.NewGuid().ToString("N"), i))];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(_folder, recursive: true);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Rows)]
    public Task RandomIds() => _store.RecordToolCallsAsync([.. _randomIds.Select(r => r with { Id = Guid.NewGuid().ToString("N") })]);

    [Benchmark(OperationsPerInvoke = Rows)]
    public Task TimeOrderedIds()
    {
        var now = DateTimeOffset.UtcNow;
        return _store.RecordToolCallsAsync([.. _randomIds.Select(r => r with { Id = Guid.CreateVersion7(now).ToString("N") })]);
    }

    private static ToolCallRecord Make(string id, int i) => new()
    {
        Id = id,
        Caller = "anonymous@streamablehttp",
        Tool = "echo",
        ArgumentsHash = Convert.ToHexStringLower(SHA256.HashData(BitConverter.GetBytes(i % 7))),
        Duration = TimeSpan.FromMilliseconds(0.2),
        Outcome = ToolCallOutcome.Success,
        Result = "echo: hello",
        Timestamp = DateTimeOffset.UtcNow,
    };
}
