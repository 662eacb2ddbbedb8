using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using ContextHub.Knowledge;
using ContextHub.Knowledge.Indexes;
using ContextHub.Messaging;
using ContextHub.Protocol;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Protocol;

namespace ContextHub.Server.KnowledgeBase;

/// <summary>
/// Step 5 of the design's flow: every tool call's record (caller, tool, arguments hash, duration, outcome, short result)
/// goes to the metadata index. On the request's path only a small struct is queued (the arguments hashed, everything
/// else a reference to what the call already holds); one background writer turns the queue into rows every
/// <see cref="ToolCallRecordingOptions.FlushInterval"/>, in large transactions, and applies the retention settings in
/// small deletes between writes. A record that finds the queue full is dropped and counted: the meter
/// <c>contexthub.tool_call_records.dropped</c> and a log line at most every ten seconds.
/// </summary>
public sealed partial class ToolCallRecorder : BackgroundService, IMcpResultRecorder
{
    /// <summary>The meter of the tool-call record's counters.</summary>
    public const string MeterName = "ContextHub";

    private const int ShortResultLength = ShortText.Length;
    private const int RowsPerTransaction = 4_000;
    private const int RowsPerDelete = 1_000;
    private const int DeletesPerFlush = 20;
    private static readonly TimeSpan DropReportInterval = TimeSpan.FromSeconds(10);
    private static readonly string[] TransportNames =
        [.. Enum.GetValues<McpTransportKind>().Select(t => t.ToString().ToLowerInvariant())];

    private readonly PendingCalls _queue;
    private readonly KnowledgeHost _knowledge;
    private readonly ToolCallRecordingOptions _recording;
    private readonly ToolCallRetentionOptions _retention;
    private readonly TimeProvider _time;
    private readonly ILogger<ToolCallRecorder> _logger;
    private readonly Meter _meter;
    private readonly Counter<long> _writtenCounter;
    private readonly Counter<long> _deletedCounter;
    private readonly ToolNames _toolNames = new();
    private readonly PendingRecords _batch = new();
    private IToolCallLog? _log;
    private long _dropped;
    private long _droppedReported;
    private long _written;
    private long _deleted;
    private long _lastDropReport;

    public ToolCallRecorder(KnowledgeHost knowledge, IOptions<KnowledgeServerOptions> options, TimeProvider time,
        IMeterFactory meters, ILogger<ToolCallRecorder> logger)
    {
        _knowledge = knowledge;
        _recording = options.Value.ToolCallRecording;
        _retention = options.Value.ToolCallRetention;
        _time = time;
        _logger = logger;
        _queue = new PendingCalls(_recording.QueueCapacity);
        _lastDropReport = time.GetTimestamp();
        _meter = meters.Create(MeterName);
        _meter.CreateObservableCounter("contexthub.tool_call_records.dropped", () => Interlocked.Read(ref _dropped), "{record}", // 0 from start
            "Tool-call records lost: the queue was full, the store refused them, or the server stopped before they were written.");
        _writtenCounter = _meter.CreateCounter<long>("contexthub.tool_call_records.written", "{record}", "Tool-call records written to the store.");
        _deletedCounter = _meter.CreateCounter<long>("contexthub.tool_call_records.deleted", "{record}", "Tool-call records deleted by the retention settings.");
    }

    /// <summary>Records dropped since start.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Records written to the store since start.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Records deleted by the retention settings since start.</summary>
    public long Deleted => Interlocked.Read(ref _deleted);

    /// <summary>Records waiting to be written.</summary>
    public int Queued => _queue.Count;

    /// <summary>Takes what is queued without writing it (for measuring the queue's cost alone); returns how many.</summary>
    internal int DiscardQueued()
    {
        var taken = _queue.TakeAll();
        var count = taken.Count;
        _queue.Return(taken);
        return count;
    }

    /// <summary>Writes what is queued to <paramref name="log"/> as the writer does (for measuring its cost); returns how many.</summary>
    internal int WriteQueued(IToolCallLog log) => Drain(() =>
    {
        var count = _batch.Count == 0 ? 0 : log.AppendToolCalls(_batch);
        _batch.Clear();
        return count;
    });

    /// <summary>Hands what is queued to <paramref name="write"/> as records, as the writer did before stores took rows; returns how many.</summary>
    internal int WriteQueuedAsRecords(Action<IReadOnlyList<ToolCallRecord>> write) => Drain(() =>
    {
        var count = _batch.Count;
        write(_batch);
        _batch.Clear();
        return count;
    });

    public void Record(McpRequest request, in McpResult result, Exception? error, TimeSpan duration)
    {
        if (request.Method != "tools/call" || request.Params.ValueKind != JsonValueKind.Object
            || !request.Params.TryGetProperty("name"u8, out var name) || name.ValueKind != JsonValueKind.String)
        {
            return;
        }

        if (error is ClientInputRequiredException || (error is null && result.Value is not CallToolResult))
        {
            return; // an input round trip is not a finished call; the retry that completes it is recorded
        }

        var outcome = error switch
        {
            null => ((CallToolResult)result.Value!).IsError == true ? ToolCallOutcome.Error : ToolCallOutcome.Success,
            OperationCanceledException => ToolCallOutcome.Cancelled,
            _ => ToolCallOutcome.Error,
        };

        // The request's JSON lives only as long as the call: hash the arguments now (SHA-256 of a short object costs
        // less than copying it out) and copy the short result into the struct. The queue holds no reference to anything
        // made for this call, so nothing the call allocated outlives it and ages into the older GC generations.
        var call = new PendingToolCall
        {
            Tool = _toolNames.Get(name),
            Identity = request.Caller.Identity,
            Transport = request.Caller.Transport,
            SessionId = request.Session?.Id,
            Error = error,
            Outcome = outcome,
            Duration = duration,
            Timestamp = _time.GetUtcNow(),
        };
        var arguments = request.Params.TryGetProperty("arguments"u8, out var args) ? JsonMarshal.GetRawUtf8Value(args) : "{}"u8;
        ArgumentsSha256.Hash(arguments, call.ArgumentsHash);
        var text = default(ShortText); // on the stack; the queue copies only the characters used
        var length = 0;
        if (error is null)
        {
            length = ShortText.Copy((CallToolResult)result.Value!, text, out call.ResultCut);
        }

        if (!_queue.TryWrite(call, ((ReadOnlySpan<char>)text)[..length]))
        {
            CountDropped(1);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Calls made while the store opens wait in the queue.
        KnowledgeService? service;
        try
        {
            service = await _knowledge.TryGetServiceAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopped while the store opens (or just as it opened): calls answered meanwhile are in the queue, so wait for
            // the store to write them. The host bounds the wait (its shutdown timeout; then the knowledge host stops and
            // the opening ends).
            if (_queue.Count > 0)
            {
                LogWaitingForStore(_queue.Count);
            }

            service = await WaitForStoreWhileStoppingAsync();
        }

        if (service is null)
        {
            // The store never opened: what is queued can never be written, and is counted and logged as dropped.
            _queue.Complete(); // first, so a call finishing now is refused and counted by Record
            CountDropped(_queue.Count);
            ReportDrops(force: true);
            return; // the knowledge host has logged why and stops the server, or it stopped before the store opened
        }

        var store = service.Store.Metadata;
        _log = store as IToolCallLog;
        await Task.Factory.StartNew(() => WriteLoop(store, stoppingToken), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>
    /// The writer, on a thread of its own for as long as the server runs: SQLite's calls block, and a batch of thousands
    /// of rows would otherwise hold one of the few thread-pool threads (two on a two-core machine) that answer requests.
    /// One thread for every write (not a new one per write) also keeps SQLite's native allocations in one malloc arena.
    /// </summary>
    private void WriteLoop(IMetadataIndex store, CancellationToken stoppingToken)
    {
        var nextRetention = _time.GetUtcNow();
        using var timer = new PeriodicTimer(_recording.FlushInterval, _time);
        try
        {
            while (timer.WaitForNextTickAsync(stoppingToken).AsTask().GetAwaiter().GetResult())
            {
                // A write is short and never cancelled halfway: a stop waits for it, then writes the rest.
                Flush(store);
                if (_time.GetUtcNow() >= nextRetention)
                {
                    var finished = ApplyRetention(store, stoppingToken);
                    nextRetention = finished ? _time.GetUtcNow() + _retention.Interval : _time.GetUtcNow();
                }

                ReportDrops(force: false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping: write what is queued below
        }
        finally
        {
            // Calls still finishing while the server stops find the queue closed and are counted as dropped.
            _queue.Complete();
            Flush(store);
            ReportDrops(force: true);
        }
    }

    /// <summary>Writes the records queued when the flush began, a transaction per few thousand.</summary>
    private int Flush(IMetadataIndex store) => Drain(() => Write(store));

    /// <summary>
    /// Takes every queued call and shows them to <paramref name="write"/> (which writes and clears the batch) a few
    /// thousand at a time, read in place in the queue's segments; then gives the segments back to the queue.
    /// </summary>
    private int Drain(Func<int> write)
    {
        var taken = _queue.TakeAll();
        var written = 0;
        try
        {
            for (var start = 0; start < taken.Count; start += RowsPerTransaction)
            {
                _batch.Set(taken, start, Math.Min(RowsPerTransaction, taken.Count - start));
                written += write();
                _queue.Left(taken.Count - start - RowsPerTransaction);
            }
        }
        finally
        {
            _batch.Clear();
            _queue.Return(taken);
        }

        return written;
    }

    private int Write(IMetadataIndex store)
    {
        var count = _batch.Count;
        if (count == 0)
        {
            return 0;
        }

        try
        {
            if (_log is { } log)
            {
                log.AppendToolCalls(_batch); // rows read straight from the batch: no record object or text per call
            }
            else
            {
                // Any other store completes here, waited for on this thread of its own.
                store.RecordToolCallsAsync(_batch, CancellationToken.None).GetAwaiter().GetResult();
            }

            Interlocked.Add(ref _written, count);
            _writtenCounter.Add(count);
            return count;
        }
        catch (Exception e)
        {
            LogFailed(e, count);
            CountDropped(count);
            return 0;
        }
        finally
        {
            _batch.Clear();
        }
    }

    /// <summary>Deletes old records in small steps; true when none are left to delete.</summary>
    private bool ApplyRetention(IMetadataIndex store, CancellationToken cancellationToken)
    {
        if (_retention.MaxAge == TimeSpan.Zero && _retention.MaxCount == 0)
        {
            return true;
        }

        DateTimeOffset? olderThan = _retention.MaxAge > TimeSpan.Zero ? _time.GetUtcNow() - _retention.MaxAge : null;
        try
        {
            for (var i = 0; i < DeletesPerFlush; i++)
            {
                var deleted = store.DeleteOldToolCallsAsync(olderThan, _retention.MaxCount, RowsPerDelete, cancellationToken).GetAwaiter().GetResult();
                if (deleted > 0)
                {
                    Interlocked.Add(ref _deleted, deleted);
                    _deletedCounter.Add(deleted);
                }

                if (deleted < RowsPerDelete)
                {
                    return true;
                }
            }

            return false; // more to delete: the next flush goes on, so writes are never held up for long
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogRetentionFailed(e);
            return true;
        }
    }

    /// <summary>
    /// A transaction's worth of queued calls. A store with an <see cref="IToolCallLog"/> reads each row in place (the
    /// hash and the result text as spans of the queued struct); any other gets records made one at a time as it reads
    /// them, each garbage as soon as its row is written.
    /// </summary>
    private sealed class PendingRecords : IReadOnlyList<ToolCallRecord>, IToolCallRows
    {
        private const int MaxCallers = 4096;
        private TakenCalls? _taken;
        private int _start;

        // "identity@transport" made once per caller, not per call; only the writer's thread reads the batch.
        private readonly Dictionary<(string Identity, McpTransportKind Transport), string> _callers = [];

        public int Count { get; private set; }

        public ToolCallRecord this[int index] => ToRecord(Call(index), Caller(Call(index)));

        ToolCallRow IToolCallRows.this[int index]
        {
            get
            {
                ref var call = ref Call(index);
                return new ToolCallRow
                {
                    Timestamp = call.Timestamp,
                    Caller = Caller(call),
                    Tool = call.Tool,
                    Outcome = call.Outcome,
                    Duration = call.Duration,
                    ArgumentsHash = call.ArgumentsHash,
                    Result = call.Error is null && !call.ResultCut ? call.ResultSpan : ResultText(call),
                    SessionId = call.SessionId,
                };
            }
        }

        /// <summary>Shows the <paramref name="count"/> calls of <paramref name="taken"/> from <paramref name="start"/> on.</summary>
        public void Set(TakenCalls taken, int start, int count)
        {
            _taken = taken;
            _start = start;
            Count = count;
        }

        public void Clear()
        {
            _taken = null;
            Count = 0;
        }

        private ref PendingToolCall Call(int index)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
            return ref _taken!.Call(_start + index);
        }

        public IEnumerator<ToolCallRecord> GetEnumerator()
        {
            for (var i = 0; i < Count; i++)
            {
                yield return this[i];
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        private string Caller(in PendingToolCall call)
        {
            if (_callers.TryGetValue((call.Identity, call.Transport), out var caller))
            {
                return caller;
            }

            caller = call.Identity + "@" + TransportNames[(int)call.Transport];
            if (_callers.Count < MaxCallers)
            {
                _callers[(call.Identity, call.Transport)] = caller;
            }

            return caller;
        }
    }

    private static ToolCallRecord ToRecord(in PendingToolCall call, string caller) => new()
    {
        Id = Guid.CreateVersion7(call.Timestamp).ToString("N"), // time-ordered: new rows go to the end of the id index
        Caller = caller,
        Tool = call.Tool,
        ArgumentsHash = Convert.ToHexStringLower(call.ArgumentsHash),
        Duration = call.Duration,
        Outcome = call.Outcome,
        Result = ResultText(call),
        Timestamp = call.Timestamp,
        SessionId = call.SessionId,
    };

    private static string ResultText(in PendingToolCall call) => call.Error switch
    {
        McpErrorException e => Shorten($"error {e.Code}: {e.Message}"),
        OperationCanceledException => "",
        Exception e => e.GetType().Name,
        _ => call.ResultCut ? string.Concat(call.ResultSpan, "…") : new string(call.ResultSpan),
    };

    private static string Shorten(string text) => text.Length <= ShortResultLength ? text : text[..ShortResultLength] + "…";

    private async Task<KnowledgeService?> WaitForStoreWhileStoppingAsync()
    {
        try
        {
            return await _knowledge.TryGetServiceAsync(CancellationToken.None);
        }
        catch (OperationCanceledException)
        {
            return null; // the knowledge host stopped before the store opened
        }
    }

    private void CountDropped(long count)
    {
        Interlocked.Add(ref _dropped, count);
    }

    private void ReportDrops(bool force)
    {
        var now = _time.GetTimestamp();
        var dropped = Interlocked.Read(ref _dropped);
        if (dropped == _droppedReported || (!force && _time.GetElapsedTime(_lastDropReport, now) < DropReportInterval))
        {
            return;
        }

        LogDropped(dropped - _droppedReported, dropped, _recording.QueueCapacity);
        _droppedReported = dropped;
        _lastDropReport = now;
    }

    public override void Dispose()
    {
        _meter.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} tool-call records dropped ({Total} since start): calls came faster than the store could keep them, the store refused them, or it had not opened when the server stopped; ContextHub:Knowledge:ToolCallRecording:QueueCapacity is {Capacity}")]
    private partial void LogDropped(long count, long total, int capacity);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping: waiting for the knowledge store to open to write {Count} tool-call records queued while it opened")]
    private partial void LogWaitingForStore(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not store {Count} tool-call records")]
    private partial void LogFailed(Exception exception, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not delete old tool-call records; trying again at the next interval")]
    private partial void LogRetentionFailed(Exception exception);
}

/// <summary>
/// The queue between the calls and the writer: calls in segments of <see cref="SegmentLength"/>, their short results in
/// chunks of <see cref="ChunkLength"/> characters, both reused from flush to flush. A call takes one short lock to copy
/// its struct and its result's text in; the writer takes the same lock once per flush to take every segment, reads them
/// without it, and gives them back. (A bounded channel took its lock per record on both sides; a list doubling its array
/// left large arrays behind on the large object heap at every new peak rate.) What the queue holds follows the calls
/// waiting: ~110 bytes a call plus its result's text, never a 200-character slot per call. At most <c>capacity</c>
/// records wait to be taken; past that, or once completed, a record is refused.
/// </summary>
internal sealed class PendingCalls(int capacity)
{
    /// <summary>Calls per segment (a power of two; ~29 KB a segment, under the large object heap's threshold).</summary>
    public const int SegmentLength = 256;

    /// <summary>Characters per chunk of result text (16 KB).</summary>
    public const int ChunkLength = 8192;

    // Kept for reuse after a flush; more than this (after a burst) are left to the collector. 64 × (29 + 16) KB at most.
    private const int MaxFree = 64;

    private readonly Lock _gate = new();
    private readonly Stack<PendingToolCall[]> _freeSegments = new();
    private readonly Stack<char[]> _freeChunks = new();
    private TakenCalls _filling = new();
    private TakenCalls? _spare = new(); // the reader's alone, between a Return and the next TakeAll
    private int _drainingLeft;
    private bool _completed;

    /// <summary>Records waiting (those being written included).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _filling.Count + Volatile.Read(ref _drainingLeft);
            }
        }
    }

    /// <summary>Queues <paramref name="call"/> with <paramref name="text"/> (at most 200 characters) as its short result.</summary>
    public bool TryWrite(in PendingToolCall call, ReadOnlySpan<char> text)
    {
        lock (_gate)
        {
            var filling = _filling;
            if (_completed || filling.Count >= capacity)
            {
                return false;
            }

            var index = filling.Count % SegmentLength;
            if (index == 0)
            {
                filling.Segments.Add(_freeSegments.TryPop(out var segment) ? segment : new PendingToolCall[SegmentLength]);
            }

            ref var slot = ref filling.Segments[^1][index];
            slot = call; // copied once, from the caller's struct straight into the segment
            if (!text.IsEmpty)
            {
                if (filling.Chunk is null || ChunkLength - filling.ChunkUsed < text.Length)
                {
                    filling.Chunk = _freeChunks.TryPop(out var chunk) ? chunk : new char[ChunkLength];
                    filling.ChunkUsed = 0;
                    filling.Chunks.Add(filling.Chunk);
                }

                text.CopyTo(filling.Chunk.AsSpan(filling.ChunkUsed));
                slot.Text = filling.Chunk;
                slot.ResultOffset = filling.ChunkUsed;
                slot.ResultLength = text.Length;
                filling.ChunkUsed += text.Length;
            }

            filling.Count++;
            return true;
        }
    }

    /// <summary>Refuses every later record.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            _completed = true;
        }
    }

    /// <summary>Takes every queued record, oldest first; only one thread at a time reads, and gives them back with <see cref="Return"/>.</summary>
    public TakenCalls TakeAll()
    {
        var taken = _spare ?? new TakenCalls();
        _spare = null;
        lock (_gate)
        {
            (_filling, taken) = (taken, _filling);
            Volatile.Write(ref _drainingLeft, taken.Count);
        }

        return taken;
    }

    /// <summary>How many of the taken records are still to be written.</summary>
    public void Left(int count) => Volatile.Write(ref _drainingLeft, Math.Max(count, 0));

    /// <summary>Gives the segments and chunks of <paramref name="taken"/> back for reuse, emptied of references.</summary>
    public void Return(TakenCalls taken)
    {
        for (var i = 0; i < taken.Segments.Count; i++)
        {
            Array.Clear(taken.Segments[i], 0, Math.Min(SegmentLength, taken.Count - (i * SegmentLength)));
        }

        lock (_gate)
        {
            foreach (var segment in taken.Segments)
            {
                if (_freeSegments.Count < MaxFree)
                {
                    _freeSegments.Push(segment);
                }
            }

            foreach (var chunk in taken.Chunks)
            {
                if (_freeChunks.Count < MaxFree)
                {
                    _freeChunks.Push(chunk);
                }
            }

            Volatile.Write(ref _drainingLeft, 0);
        }

        taken.Reset();
        _spare = taken;
    }
}

/// <summary>The records of one take: full segments of calls (the last one partly filled) and the chunks of their text.</summary>
internal sealed class TakenCalls
{
    public readonly List<PendingToolCall[]> Segments = [];
    public readonly List<char[]> Chunks = [];
    public char[]? Chunk; // the chunk being filled
    public int ChunkUsed;
    public int Count;

    public ref PendingToolCall Call(int index) => ref Segments[index / PendingCalls.SegmentLength][index % PendingCalls.SegmentLength];

    public void Reset()
    {
        Segments.Clear();
        Chunks.Clear();
        Chunk = null;
        ChunkUsed = 0;
        Count = 0;
    }
}

/// <summary>One finished tool call as queued on the request's path: no text is formatted until the writer takes it.</summary>
internal struct PendingToolCall
{
    public string Tool;
    public string Identity;
    public McpTransportKind Transport;
    public string? SessionId;
    public Exception? Error; // rare, and kept for its message
    public ToolCallOutcome Outcome;
    public TimeSpan Duration;
    public DateTimeOffset Timestamp;
    public Sha256Hash ArgumentsHash;
    public char[]? Text; // the queue's chunk that holds the short result (null when there is none)
    public int ResultOffset;
    public int ResultLength;
    public bool ResultCut;

    /// <summary>The short result, as queued.</summary>
    public readonly ReadOnlySpan<char> ResultSpan => Text.AsSpan(ResultOffset, ResultLength);
}

[InlineArray(32)]
internal struct Sha256Hash
{
    private byte _first;
}

/// <summary>Room for the first 200 characters of a result's text blocks, joined by spaces (on the stack).</summary>
[InlineArray(Length)]
internal struct ShortText
{
    public const int Length = 200;
    private char _first;

    /// <summary>Copies the text into <paramref name="target"/>; returns its length, and whether there was more.</summary>
    public static int Copy(CallToolResult result, Span<char> target, out bool cut)
    {
        var length = 0;
        cut = false;
        var content = result.Content;
        for (var i = 0; i < content.Count; i++) // by index: foreach over the IList boxes an enumerator per call
        {
            if (content[i] is not TextContentBlock { Text: var text })
            {
                continue;
            }

            if (length > 0)
            {
                if (length == target.Length)
                {
                    cut = true;
                    break;
                }

                target[length++] = ' ';
            }

            var take = Math.Min(text.Length, target.Length - length);
            text.AsSpan(0, take).CopyTo(target[length..]);
            length += take;
            if (take < text.Length)
            {
                cut = true;
                break;
            }
        }

        return length;
    }
}

/// <summary>Tool names as strings without allocating one per call: a call names one of a few tools, over and over.</summary>
internal sealed class ToolNames
{
    private const int MaxNames = 1024;
    private const int MaxLength = 128;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _names = new(StringComparer.Ordinal);

    public string Get(JsonElement name)
    {
        var raw = JsonMarshal.GetRawUtf8Value(name); // with its quotes
        if (raw.Length < 2 || raw.Length - 2 > MaxLength || raw.Contains((byte)'\\'))
        {
            return name.GetString()!;
        }

        Span<char> chars = stackalloc char[MaxLength];
        if (!System.Text.Unicode.Utf8.ToUtf16(raw[1..^1], chars, out _, out var written).Equals(System.Buffers.OperationStatus.Done))
        {
            return name.GetString()!;
        }

        var lookup = _names.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(chars[..written], out var known))
        {
            return known;
        }

        var text = new string(chars[..written]);
        return _names.Count < MaxNames ? _names.GetOrAdd(text, text) : text;
    }
}
