using System.Globalization;
using System.Text;
using ContextHub.Knowledge.Indexes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using SQLitePCL;

namespace ContextHub.Knowledge.Embedded;

/// <summary>
/// The record of tool calls: one narrow row per call in <c>tool_call_log</c> (callers and tool names stored once in
/// <c>tool_call_names</c> and referred to by number, the outcome a number, the arguments hash 32 bytes), written
/// through one prepared statement bound straight from the writer's buffer. The row id is the call's time (Unix
/// milliseconds × 65,536 plus a sequence within the millisecond), so rows are appended in time order, a time range is a
/// row-id range and no time index is kept; two small integer indexes answer the queries by tool and by caller. The table of earlier versions (<c>tool_calls</c>: text ids under a
/// unique index, text columns in three text indexes — several times the work per row) is copied over on first open and
/// dropped.
/// </summary>
public sealed partial class EmbeddedKnowledgeStore : IToolCallLog
{
    private const int MaxCachedToolCallNames = 4096;
    private static readonly string[] ToolCallOutcomeNames = Enum.GetNames<ToolCallOutcome>();

    // Caller and tool names to their row in tool_call_names; written and read under _writeLock only.
    private readonly Dictionary<string, long> _toolCallNames = new(StringComparer.Ordinal);
    private long _lastToolCallKey; // the newest row id written, under _writeLock

    private const int ToolCallKeyShift = 16; // up to 65,536 calls a millisecond

    /// <summary>The smallest row id of a call at <paramref name="time"/>.</summary>
    private static long ToolCallKey(DateTimeOffset time) => time.ToUnixTimeMilliseconds() << ToolCallKeyShift;

    private const string ToolCallLogSchema = """
        CREATE TABLE IF NOT EXISTS tool_call_names (
            rowid INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE
        ) STRICT;
        CREATE TABLE IF NOT EXISTS tool_call_log (
            rowid INTEGER PRIMARY KEY, -- timestamp × 65536 + a sequence: row order is time order
            timestamp INTEGER NOT NULL,
            caller INTEGER NOT NULL,
            tool INTEGER NOT NULL,
            outcome INTEGER NOT NULL,
            duration_ms REAL NOT NULL,
            arguments_hash ANY NOT NULL,
            result TEXT,
            session_id TEXT
        ) STRICT;
        CREATE INDEX IF NOT EXISTS tool_call_log_tool ON tool_call_log (tool);
        CREATE INDEX IF NOT EXISTS tool_call_log_caller ON tool_call_log (caller);
        """;

    // The table of earlier versions, copied oldest first; a 64-digit hex hash becomes its 32 bytes, any other text stays text.
    private const string MigrateToolCallsSql = """
        INSERT OR IGNORE INTO tool_call_names (name) SELECT caller FROM tool_calls UNION SELECT tool FROM tool_calls;
        INSERT INTO tool_call_log (rowid, timestamp, caller, tool, outcome, duration_ms, arguments_hash, result, session_id)
            SELECT (o.timestamp << 16) + row_number() OVER (PARTITION BY o.timestamp ORDER BY o.rowid) - 1, o.timestamp, c.rowid, t.rowid,
                CASE o.outcome WHEN 'Error' THEN 1 WHEN 'Cancelled' THEN 2 WHEN 'TimedOut' THEN 3 ELSE 0 END,
                o.duration_ms,
                CASE WHEN length(o.arguments_hash) = 64 AND unhex(o.arguments_hash) IS NOT NULL THEN unhex(o.arguments_hash) ELSE o.arguments_hash END,
                o.result, o.session_id
            FROM tool_calls o JOIN tool_call_names c ON c.name = o.caller JOIN tool_call_names t ON t.name = o.tool
            ORDER BY o.timestamp, o.rowid;
        DROP TABLE tool_calls;
        """;

    private const string AppendToolCallSql = """
        INSERT INTO tool_call_log (timestamp, caller, tool, outcome, duration_ms, arguments_hash, result, session_id, rowid)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9);
        """;

    private async Task CreateToolCallLogAsync(CancellationToken cancellationToken)
    {
        await ExecuteAsync(_writer, ToolCallLogSchema, cancellationToken);
        if (await ScalarAsync(_writer, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'tool_calls'", cancellationToken) is not null)
        {
            await MigrateToolCallsAsync(cancellationToken);
        }

        _lastToolCallKey = await ScalarAsync(_writer, "SELECT MAX(rowid) FROM tool_call_log", cancellationToken) is long last ? last : 0;
    }

    private async Task MigrateToolCallsAsync(CancellationToken cancellationToken)
    {
        await using var transaction = (SqliteTransaction)await _writer.BeginTransactionAsync(cancellationToken);
        await using var command = _writer.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = MigrateToolCallsSql;
        await command.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        LogToolCallsMigrated(_logger, _options.DatabasePath);
    }

    public int AppendToolCalls(IToolCallRows rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return rows.Count == 0 ? 0 : Append(rows.Count, (stmt, i) =>
        {
            var row = rows[i];
            return BindRow(stmt, row.Timestamp, row.Caller, row.Tool, row.Outcome, row.Duration, row.ArgumentsHash, null, row.Result, row.SessionId);
        });
    }

    public Task RecordToolCallAsync(ToolCallRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        return RecordToolCallsAsync([record], cancellationToken);
    }

    /// <summary>Writes the records in one transaction: one commit (and one sync to disk) for the whole batch.</summary>
    public Task RecordToolCallsAsync(IReadOnlyList<ToolCallRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        cancellationToken.ThrowIfCancellationRequested();
        if (records.Count > 0)
        {
            Append(records.Count, (stmt, i) =>
            {
                var record = records[i].Truncated();
                Span<byte> hash = stackalloc byte[32];
                var isHex = record.ArgumentsHash.Length == 64 && Convert.FromHexString(record.ArgumentsHash, hash, out _, out var written) == System.Buffers.OperationStatus.Done && written == 32;
                return BindRow(stmt, record.Timestamp, record.Caller, record.Tool, record.Outcome, record.Duration,
                    isHex ? hash : default, isHex ? null : record.ArgumentsHash, record.Result, record.SessionId, resultIsNull: record.Result is null);
            });
        }

        return Task.CompletedTask;
    }

    /// <summary>Binds every column but the row id; returns the call's time.</summary>
    private delegate DateTimeOffset RowBinder(sqlite3_stmt statement, int index);

    /// <summary>
    /// Inserts <paramref name="count"/> rows in one transaction through one prepared statement, bound with SQLite's own
    /// calls: the ADO.NET command would copy each text into a new UTF-8 array and walk its parameter list per row.
    /// </summary>
    private int Append(int count, RowBinder bind)
    {
        _writeLock.Wait();
        try
        {
            ThrowIfDisposed();
            var db = _writer.Handle!;
            using var transaction = _writer.BeginTransaction();
            Check(raw.sqlite3_prepare_v2(db, AppendToolCallSql, out var statement), db);
            try
            {
                using (statement)
                {
                    for (var i = 0; i < count; i++)
                    {
                        var time = ToolCallKey(bind(statement, i));
                        // The next sequence number within the newest millisecond; an older call (a record made earlier, or
                        // one that finished a moment before the last on another thread) goes into its own millisecond.
                        var key = time > _lastToolCallKey ? time : time >> ToolCallKeyShift == _lastToolCallKey >> ToolCallKeyShift ? _lastToolCallKey + 1 : time;
                        raw.sqlite3_bind_int64(statement, 9, key);
                        var rc = raw.sqlite3_step(statement);
                        raw.sqlite3_reset(statement);
                        if (rc == raw.SQLITE_CONSTRAINT)
                        {
                            key = NextFreeToolCallKey(time); // that millisecond has rows already: after the last of them
                            raw.sqlite3_bind_int64(statement, 9, key);
                            rc = raw.sqlite3_step(statement);
                            raw.sqlite3_reset(statement);
                        }

                        if (rc != raw.SQLITE_DONE)
                        {
                            Check(rc, db);
                        }

                        _lastToolCallKey = Math.Max(_lastToolCallKey, key);
                    }
                }

                transaction.Commit();
            }
            catch
            {
                _toolCallNames.Clear(); // names added in the rolled-back transaction are gone
                throw;
            }

            return count;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private long NextFreeToolCallKey(long time)
    {
        using var command = _writer.CreateCommand();
        command.CommandText = "SELECT MAX(rowid) FROM tool_call_log WHERE rowid >= $from AND rowid < $to;";
        command.Parameters.AddWithValue("$from", time);
        command.Parameters.AddWithValue("$to", time + (1L << ToolCallKeyShift));
        return command.ExecuteScalar() is long last ? last + 1 : time;
    }

    private DateTimeOffset BindRow(sqlite3_stmt statement, DateTimeOffset timestamp, string caller, string tool, ToolCallOutcome outcome, TimeSpan duration,
        ReadOnlySpan<byte> hash, string? hashText, ReadOnlySpan<char> result, string? sessionId, bool resultIsNull = false)
    {
        raw.sqlite3_bind_int64(statement, 1, timestamp.ToUnixTimeMilliseconds());
        raw.sqlite3_bind_int64(statement, 2, ToolCallNameId(caller));
        raw.sqlite3_bind_int64(statement, 3, ToolCallNameId(tool));
        raw.sqlite3_bind_int64(statement, 4, (long)outcome);
        raw.sqlite3_bind_double(statement, 5, duration.TotalMilliseconds);
        _ = hash.IsEmpty ? raw.sqlite3_bind_text(statement, 6, hashText ?? "") : raw.sqlite3_bind_blob(statement, 6, hash);
        if (result.Length > ToolCallRecord.MaxResultLength)
        {
            result = string.Concat(result[..(ToolCallRecord.MaxResultLength - 1)], "…");
        }

        _ = resultIsNull ? raw.sqlite3_bind_null(statement, 7)
            : result.IsEmpty ? raw.sqlite3_bind_text(statement, 7, "")
            : raw.sqlite3_bind_text16(statement, 7, result);
        _ = sessionId is null ? raw.sqlite3_bind_null(statement, 8) : raw.sqlite3_bind_text(statement, 8, sessionId);
        return timestamp;
    }

    /// <summary>The row of a caller or tool name in tool_call_names, added when new (inside the write's transaction).</summary>
    private long ToolCallNameId(string name)
    {
        if (_toolCallNames.TryGetValue(name, out var id))
        {
            return id;
        }

        using var command = _writer.CreateCommand();
        command.CommandText = "INSERT INTO tool_call_names (name) VALUES ($name) ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING rowid;";
        command.Parameters.AddWithValue("$name", name);
        id = (long)command.ExecuteScalar()!;
        if (_toolCallNames.Count < MaxCachedToolCallNames)
        {
            _toolCallNames[name] = id;
        }

        return id;
    }

    private static void Check(int rc, sqlite3 db)
    {
        if (rc is not (raw.SQLITE_OK or raw.SQLITE_DONE or raw.SQLITE_ROW))
        {
            SqliteException.ThrowExceptionForRC(rc, db);
        }
    }

    /// <summary>
    /// One short transaction: first records older than <paramref name="olderThan"/> (a range of row ids, as they are
    /// times), then the oldest beyond the newest <paramref name="keepNewest"/>.
    /// </summary>
    public async Task<int> DeleteOldToolCallsAsync(DateTimeOffset? olderThan, long keepNewest, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(keepNewest);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            ThrowIfDisposed();
            await using var transaction = (SqliteTransaction)await _writer.BeginTransactionAsync(cancellationToken);
            var deleted = 0;
            if (olderThan is { } cutoff)
            {
                await using var byAge = _writer.CreateCommand();
                byAge.Transaction = transaction;
                byAge.CommandText = """
                    DELETE FROM tool_call_log WHERE rowid IN
                        (SELECT rowid FROM tool_call_log WHERE rowid < $cutoff ORDER BY rowid LIMIT $limit);
                    """;
                byAge.Parameters.AddWithValue("$cutoff", ToolCallKey(cutoff));
                byAge.Parameters.AddWithValue("$limit", limit);
                deleted += await byAge.ExecuteNonQueryAsync(cancellationToken);
            }

            if (keepNewest > 0 && deleted < limit)
            {
                await using var byCount = _writer.CreateCommand();
                byCount.Transaction = transaction;
                byCount.CommandText = """
                    DELETE FROM tool_call_log WHERE rowid IN
                        (SELECT rowid FROM tool_call_log ORDER BY rowid LIMIT max(0, min($limit, (SELECT COUNT(*) FROM tool_call_log) - $keep)));
                    """;
                byCount.Parameters.AddWithValue("$keep", keepNewest);
                byCount.Parameters.AddWithValue("$limit", limit - deleted);
                deleted += await byCount.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            return deleted;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async Task<IReadOnlyList<ToolCallRecord>> GetToolCallsAsync(ToolCallQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ThrowIfDisposed();
        await using var connection = await OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        var where = new StringBuilder("1");
        void Add(string condition, string name, object value)
        {
            where.Append(" AND ").Append(condition);
            command.Parameters.AddWithValue(name, value);
        }

        if (query.Caller is { } caller)
        {
            Add("l.caller = (SELECT rowid FROM tool_call_names WHERE name = $caller)", "$caller", caller);
        }

        if (query.Tool is { } tool)
        {
            Add("l.tool = (SELECT rowid FROM tool_call_names WHERE name = $tool)", "$tool", tool);
        }

        if (query.SessionId is { } session)
        {
            Add("l.session_id = $session", "$session", session);
        }

        if (query.Outcome is { } outcome)
        {
            Add("l.outcome = $outcome", "$outcome", (long)outcome);
        }

        if (query.Since is { } since)
        {
            Add("l.rowid >= $since", "$since", ToolCallKey(since));
        }

        if (query.Until is { } until)
        {
            Add("l.rowid < $until", "$until", ToolCallKey(until.AddMilliseconds(1)));
        }

        command.Parameters.AddWithValue("$limit", Math.Max(0, query.Limit));
        // CROSS JOIN keeps the log the outer loop, so the newest rows are read through its indexes and the names looked up per row.
        command.CommandText = $"""
            SELECT l.rowid, c.name, t.name, l.arguments_hash, l.duration_ms, l.outcome, l.result, l.timestamp, l.session_id
            FROM tool_call_log l CROSS JOIN tool_call_names c CROSS JOIN tool_call_names t
            WHERE c.rowid = l.caller AND t.rowid = l.tool AND {where}
            ORDER BY l.rowid DESC LIMIT $limit;
            """;
        var records = new List<ToolCallRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var outcomeValue = reader.GetInt64(5);
            records.Add(new ToolCallRecord
            {
                Id = reader.GetInt64(0).ToString(CultureInfo.InvariantCulture),
                Caller = reader.GetString(1),
                Tool = reader.GetString(2),
                ArgumentsHash = reader.GetValue(3) is byte[] hash ? Convert.ToHexStringLower(hash) : reader.GetString(3),
                Duration = TimeSpan.FromMilliseconds(reader.GetDouble(4)),
                Outcome = outcomeValue >= 0 && outcomeValue < ToolCallOutcomeNames.Length ? (ToolCallOutcome)outcomeValue : ToolCallOutcome.Error,
                Result = reader.IsDBNull(6) ? null : reader.GetString(6),
                Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7)),
                SessionId = reader.IsDBNull(8) ? null : reader.GetString(8),
            });
        }

        return records;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Knowledge store {Path}: the tool-call record of an earlier version was copied into the new tool_call_log table and the old tool_calls table dropped")]
    private static partial void LogToolCallsMigrated(ILogger logger, string path);
}
