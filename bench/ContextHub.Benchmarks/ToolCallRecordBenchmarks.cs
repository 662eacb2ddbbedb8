using System.Security.Cryptography;
using System.Text.Json;
using System.Threading.Channels;
using BenchmarkDotNet.Attributes;
using ContextHub.Knowledge;
using ContextHub.Knowledge.Embedded;
using ContextHub.Knowledge.Indexes;
using ContextHub.Messaging;
using ContextHub.Protocol;
using ContextHub.Server.KnowledgeBase;
using Microsoft.Data.Sqlite;
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
/// The writer's step per call, from a queued call to a committed row, 4,000 calls a transaction as the recorder writes
/// them. Before: the record made as an object (time-ordered text id, caller and hash formatted) and inserted through
/// ADO.NET into the table of earlier versions (text id under a unique index, caller/tool/outcome/hash as text, three
/// text indexes), line for line as the store did it; <see cref="RowPerCall"/>: the row read in place into the next
/// version's <c>tool_call_log</c> (one narrow row per call, names as numbers, the hash as 32 bytes, two integer
/// indexes, bound with SQLite's own calls), line for line as commit 2945e9a did it; after: the calls encoded into one
/// <c>tool_call_blocks</c> row per write through <see cref="EmbeddedKnowledgeStore.AppendToolCalls"/>. Each fills its
/// own fresh database file with <c>synchronous = FULL</c>.
/// </summary>
[MemoryDiagnoser]
public class ToolCallStoreBenchmarks
{
    private const int Rows = 4_000;
    private string _folder = null!;
    private EmbeddedKnowledgeStore _store = null!;
    private SqliteConnection _legacy = null!;
    private RowPerCallLog _rowPerCall = null!;
    private JsonDocument _document = null!;
    private McpRequest _request = null!;
    private McpResult _result;
    private ToolCallRecorder _recorder = null!;
    private ServiceProvider _services = null!;

    [GlobalSetup]
    public void Setup()
    {
        _folder = Directory.CreateTempSubdirectory("contexthub-bench-").FullName;
        _store = EmbeddedKnowledgeStore.OpenAsync(Path.Combine(_folder, "after")).GetAwaiter().GetResult();
        _rowPerCall = new RowPerCallLog(Path.Combine(_folder, "row-per-call.db"));
        _legacy = new SqliteConnection($"Data Source={Path.Combine(_folder, "before.db")};Pooling=false");
        _legacy.Open();
        using (var command = _legacy.CreateCommand())
        {
            command.CommandText = """
                PRAGMA journal_mode = WAL;
                PRAGMA synchronous = FULL;
                CREATE TABLE tool_calls (
                    rowid INTEGER PRIMARY KEY,
                    id TEXT NOT NULL UNIQUE,
                    caller TEXT NOT NULL,
                    tool TEXT NOT NULL,
                    arguments_hash TEXT NOT NULL,
                    duration_ms REAL NOT NULL,
                    outcome TEXT NOT NULL,
                    result TEXT,
                    timestamp INTEGER NOT NULL,
                    session_id TEXT
                ) STRICT;
                CREATE INDEX tool_calls_caller ON tool_calls (caller, timestamp);
                CREATE INDEX tool_calls_tool ON tool_calls (tool, timestamp);
                CREATE INDEX tool_calls_time ON tool_calls (timestamp);
                """;
            command.ExecuteNonQuery();
        }

        _document = JsonDocument.Parse("""{"name":"echo","arguments":{"message":"hello"},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}""");
        _request = new McpRequest { Method = "tools/call", Params = _document.RootElement, Caller = new McpCaller(McpTransportKind.StreamableHttp) };
        _result = McpResult.Of(new CallToolResult { Content = [new TextContentBlock { Text = "echo: hello" }] }, McpJson.TypeInfo<CallToolResult>());
        var options = Options.Create(new KnowledgeServerOptions());
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var opener = new EmbeddedKnowledgeStoreOpener(Options.Create(new EmbeddedStoreOptions { DataFolder = Path.GetTempPath() }), NullLogger<EmbeddedKnowledgeStore>.Instance); // never opened
        var knowledge = new KnowledgeHost(opener, new ContextHub.Knowledge.Embeddings.HashingEmbeddingGenerator(), Options.Create(new KnowledgeOptions()), NullLoggerFactory.Instance, TimeProvider.System, _services);
        _recorder = new ToolCallRecorder(knowledge, options, TimeProvider.System, _services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(),
            NullLogger<ToolCallRecorder>.Instance);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _recorder.Dispose();
        _services.Dispose();
        _document.Dispose();
        _legacy.Dispose();
        _rowPerCall.Dispose();
        _store.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(_folder, recursive: true);
    }

    [IterationSetup]
    public void Queue()
    {
        for (var i = 0; i < Rows; i++)
        {
            _recorder.Record(_request, _result, null, TimeSpan.FromTicks(1234));
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Rows)]
    public int Before() => _recorder.WriteQueuedAsRecords(WriteAsBefore);

    [Benchmark(OperationsPerInvoke = Rows)]
    public int RowPerCall() => _recorder.WriteQueued(_rowPerCall);

    [Benchmark(OperationsPerInvoke = Rows)]
    public int After() => _recorder.WriteQueued(_store);

    // EmbeddedKnowledgeStore.RecordToolCallsAsync at commit 390e65e, line for line, on the table of that version.
    private void WriteAsBefore(IReadOnlyList<ToolCallRecord> records)
    {
        using var transaction = _legacy.BeginTransaction();
        using var command = _legacy.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO tool_calls (id, caller, tool, arguments_hash, duration_ms, outcome, result, timestamp, session_id)
            VALUES ($id, $caller, $tool, $args, $duration, $outcome, $result, $timestamp, $session)
            ON CONFLICT (id) DO UPDATE SET caller = excluded.caller, tool = excluded.tool, arguments_hash = excluded.arguments_hash,
                duration_ms = excluded.duration_ms, outcome = excluded.outcome, result = excluded.result,
                timestamp = excluded.timestamp, session_id = excluded.session_id;
            """;
        var id = command.Parameters.Add("$id", SqliteType.Text);
        var caller = command.Parameters.Add("$caller", SqliteType.Text);
        var tool = command.Parameters.Add("$tool", SqliteType.Text);
        var args = command.Parameters.Add("$args", SqliteType.Text);
        var duration = command.Parameters.Add("$duration", SqliteType.Real);
        var outcome = command.Parameters.Add("$outcome", SqliteType.Text);
        var result = command.Parameters.Add("$result", SqliteType.Text);
        var timestamp = command.Parameters.Add("$timestamp", SqliteType.Integer);
        var session = command.Parameters.Add("$session", SqliteType.Text);
        command.Prepare();
        foreach (var original in records)
        {
            var record = original.Truncated();
            id.Value = record.Id;
            caller.Value = record.Caller;
            tool.Value = record.Tool;
            args.Value = record.ArgumentsHash;
            duration.Value = record.Duration.TotalMilliseconds;
            outcome.Value = OutcomeNames[(int)record.Outcome];
            result.Value = (object?)record.Result ?? DBNull.Value;
            timestamp.Value = record.Timestamp.ToUnixTimeMilliseconds();
            session.Value = (object?)record.SessionId ?? DBNull.Value;
            command.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    private static readonly string[] OutcomeNames = Enum.GetNames<ToolCallOutcome>();
}

/// <summary>The embedded store's tool-call table at commit 2945e9a: one row per call, written as it wrote it.</summary>
internal sealed class RowPerCallLog : IToolCallLog, IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly Dictionary<string, long> _names = new(StringComparer.Ordinal);
    private long _lastKey;

    public RowPerCallLog(string path)
    {
        _connection = new SqliteConnection($"Data Source={path};Pooling=false");
        _connection.Open();
        using var command = _connection.CreateCommand();
        command.CommandText = """
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = FULL;
            CREATE TABLE tool_call_names (rowid INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE) STRICT;
            CREATE TABLE tool_call_log (
                rowid INTEGER PRIMARY KEY, timestamp INTEGER NOT NULL, caller INTEGER NOT NULL, tool INTEGER NOT NULL,
                outcome INTEGER NOT NULL, duration_ms REAL NOT NULL, arguments_hash ANY NOT NULL, result TEXT, session_id TEXT) STRICT;
            CREATE INDEX tool_call_log_tool ON tool_call_log (tool);
            CREATE INDEX tool_call_log_caller ON tool_call_log (caller);
            """;
        command.ExecuteNonQuery();
    }

    public int AppendToolCalls(IToolCallRows rows)
    {
        var db = _connection.Handle!;
        using var transaction = _connection.BeginTransaction();
        SQLitePCL.raw.sqlite3_prepare_v2(db, """
            INSERT INTO tool_call_log (timestamp, caller, tool, outcome, duration_ms, arguments_hash, result, session_id, rowid)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9);
            """, out var statement);
        using (statement)
        {
            for (var i = 0; i < rows.Count; i++)
            {
                var row = rows[i];
                SQLitePCL.raw.sqlite3_bind_int64(statement, 1, row.Timestamp.ToUnixTimeMilliseconds());
                SQLitePCL.raw.sqlite3_bind_int64(statement, 2, NameId(row.Caller));
                SQLitePCL.raw.sqlite3_bind_int64(statement, 3, NameId(row.Tool));
                SQLitePCL.raw.sqlite3_bind_int64(statement, 4, (long)row.Outcome);
                SQLitePCL.raw.sqlite3_bind_double(statement, 5, row.Duration.TotalMilliseconds);
                SQLitePCL.raw.sqlite3_bind_blob(statement, 6, row.ArgumentsHash);
                _ = row.Result.IsEmpty ? SQLitePCL.raw.sqlite3_bind_text(statement, 7, "") : SQLitePCL.raw.sqlite3_bind_text16(statement, 7, row.Result);
                _ = row.SessionId is null ? SQLitePCL.raw.sqlite3_bind_null(statement, 8) : SQLitePCL.raw.sqlite3_bind_text(statement, 8, row.SessionId);
                _lastKey = Math.Max(row.Timestamp.ToUnixTimeMilliseconds() << 16, _lastKey + 1);
                SQLitePCL.raw.sqlite3_bind_int64(statement, 9, _lastKey);
                if (SQLitePCL.raw.sqlite3_step(statement) != SQLitePCL.raw.SQLITE_DONE)
                {
                    SqliteException.ThrowExceptionForRC(SQLitePCL.raw.sqlite3_errcode(db), db);
                }

                SQLitePCL.raw.sqlite3_reset(statement);
            }
        }

        transaction.Commit();
        return rows.Count;
    }

    private long NameId(string name)
    {
        if (!_names.TryGetValue(name, out var id))
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "INSERT INTO tool_call_names (name) VALUES ($name) RETURNING rowid;";
            command.Parameters.AddWithValue("$name", name);
            _names[name] = id = (long)command.ExecuteScalar()!;
        }

        return id;
    }

    public void Dispose() => _connection.Dispose();
}
