using System.Security.Cryptography;
using System.Text.Json;
using System.Threading.Channels;
using ContextHub.Knowledge;
using ContextHub.Messaging;
using ContextHub.Protocol;
using ModelContextProtocol.Protocol;

namespace ContextHub.Server.Knowledge;

/// <summary>
/// Step 5 of the design's flow: every tool call's record (caller, tool, arguments hash, duration, outcome, short result)
/// goes to the metadata index. The record is taken on the request's path; the writes happen in the background, in
/// batches (one transaction each), so a slow store never slows a call. Records beyond a bounded queue are dropped and
/// counted; the count is logged at most once every ten seconds.
/// </summary>
public sealed partial class ToolCallRecorder : BackgroundService, IMcpResultRecorder
{
    private const int ShortResultLength = 200;
    private const int BatchSize = 1000;
    private static readonly TimeSpan DropReportInterval = TimeSpan.FromSeconds(10);
    private readonly Channel<ToolCallRecord> _queue = Channel.CreateBounded<ToolCallRecord>(
        new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly KnowledgeHost _knowledge;
    private readonly TimeProvider _time;
    private readonly ILogger<ToolCallRecorder> _logger;
    private long _dropped;
    private long _lastDropReport;

    public ToolCallRecorder(KnowledgeHost knowledge, TimeProvider time, ILogger<ToolCallRecorder> logger)
    {
        _knowledge = knowledge;
        _time = time;
        _logger = logger;
    }

    public void Record(McpRequest request, in McpResult result, Exception? error, TimeSpan duration)
    {
        if (request.Method != "tools/call" || request.Params.ValueKind != JsonValueKind.Object
            || !request.Params.TryGetProperty("name"u8, out var name) || name.ValueKind != JsonValueKind.String)
        {
            return;
        }

        var arguments = request.Params.TryGetProperty("arguments"u8, out var args) ? args.GetRawText() : "{}";
        if (error is ClientInputRequiredException || (error is null && result.Value is not CallToolResult))
        {
            return; // an input round trip is not a finished call; the retry that completes it is recorded
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
            Result = text.Length <= ShortResultLength ? text : text[..ShortResultLength] + "…",
            Timestamp = _time.GetUtcNow(),
            SessionId = request.Session?.Id,
        };
        if (!_queue.Writer.TryWrite(record))
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Calls made while the store opens wait in the queue.
        if (await _knowledge.TryGetServiceAsync(stoppingToken) is not { } service)
        {
            return; // the knowledge host has logged why and stops the server
        }

        var batch = new List<ToolCallRecord>(BatchSize);
        while (await _queue.Reader.WaitToReadAsync(stoppingToken))
        {
            while (batch.Count < BatchSize && _queue.Reader.TryRead(out var record))
            {
                batch.Add(record);
            }

            try
            {
                await service.Store.Metadata.RecordToolCallsAsync(batch, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(e, batch.Count);
            }

            batch.Clear();
            ReportDrops();
        }
    }

    private void ReportDrops()
    {
        var now = _time.GetTimestamp();
        if (Interlocked.Read(ref _dropped) == 0 || _time.GetElapsedTime(Interlocked.Read(ref _lastDropReport), now) < DropReportInterval)
        {
            return;
        }

        Interlocked.Exchange(ref _lastDropReport, now);
        LogDropped(Interlocked.Exchange(ref _dropped, 0));
    }

    private static string TextOf(CallToolResult result) =>
        string.Join(" ", result.Content.OfType<TextContentBlock>().Select(t => t.Text));

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} tool-call records dropped: calls came faster than the store could keep them")]
    private partial void LogDropped(long count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not store {Count} tool-call records")]
    private partial void LogFailed(Exception exception, int count);
}
