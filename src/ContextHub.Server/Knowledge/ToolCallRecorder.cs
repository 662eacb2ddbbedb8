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
/// goes to the metadata index. The record is taken on the request's path; the write happens in the background, so a
/// slow store never slows a call (records beyond a bounded queue are dropped and counted in the log).
/// </summary>
public sealed partial class ToolCallRecorder : BackgroundService, IMcpResultRecorder
{
    private const int ShortResultLength = 200;
    private readonly Channel<ToolCallRecord> _queue = Channel.CreateBounded<ToolCallRecord>(
        new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly KnowledgeHost _knowledge;
    private readonly TimeProvider _time;
    private readonly ILogger<ToolCallRecorder> _logger;

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
            LogDropped(record.Tool);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var record in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            if (!_knowledge.IsOpen)
            {
                continue;
            }

            try
            {
                await _knowledge.Service.RecordToolCallAsync(record, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(e, record.Tool);
            }
        }
    }

    private static string TextOf(CallToolResult result) =>
        string.Join(" ", result.Content.OfType<TextContentBlock>().Select(t => t.Text));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Tool-call record for {Tool} dropped: the record queue is full")]
    private partial void LogDropped(string tool);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not store the tool-call record for {Tool}")]
    private partial void LogFailed(Exception exception, string tool);
}
