using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using ContextHub.Knowledge.Indexes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using SQLitePCL;

namespace ContextHub.Knowledge.Embedded;

/// <summary>
/// The record of tool calls, in blocks: each write (one flush of the recorder's writer, up to a few thousand calls)
/// becomes ONE row of <c>tool_call_blocks</c> — its time range, its count, which outcomes, tools and callers occur in
/// it, and one BLOB holding the calls in a compact layout (<see cref="ToolCallBlockEncoder"/>). A row per call cost
/// SQLite ~9 µs of CPU per call (the row, two index entries, the page writes); a block costs one row per flush.
/// Queries read the blocks that can match, newest first, decode and filter them, and stop at the limit. Retention
/// deletes whole blocks. Callers and tool names are stored once in <c>tool_call_names</c> and referred to by number.
/// The tables of earlier versions (<c>tool_calls</c>, one text row per call; <c>tool_call_log</c>, one narrow row per
/// call) are copied into blocks on open, in one transaction, and dropped.
/// </summary>
public sealed partial class EmbeddedKnowledgeStore : IToolCallLog
{
    private const int MaxCachedToolCallNames = 4096;
    private const int CallsPerMigratedBlock = 4_000;
    private static readonly int ToolCallOutcomeCount = Enum.GetValues<ToolCallOutcome>().Length;

    // Caller and tool names to their row in tool_call_names; written and read under _writeLock only.
    private readonly Dictionary<string, long> _toolCallNames = new(StringComparer.Ordinal);
    private readonly ToolCallBlockEncoder _blockEncoder = new();
    private long _lastToolCallKey; // the newest key given, under _writeLock

    private const int ToolCallKeyShift = 16; // up to 65,536 calls a millisecond

    /// <summary>The smallest key of a call at <paramref name="time"/>.</summary>
    private static long ToolCallKey(DateTimeOffset time) => time.ToUnixTimeMilliseconds() << ToolCallKeyShift;

    private const string ToolCallBlockSchema = """
        CREATE TABLE IF NOT EXISTS tool_call_names (
            rowid INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE
        ) STRICT;
        CREATE TABLE IF NOT EXISTS tool_call_blocks (
            rowid INTEGER PRIMARY KEY,
            first_time INTEGER NOT NULL, -- Unix ms of the block's oldest call
            last_time INTEGER NOT NULL,  -- Unix ms of its newest call
            first_key INTEGER NOT NULL,  -- the key (record id) of its first call; keys rise by call within and across blocks
            last_key INTEGER NOT NULL,
            count INTEGER NOT NULL,
            outcomes INTEGER NOT NULL,   -- bit n set: a call with outcome n is in the block
            tools BLOB NOT NULL,         -- the tool ids in the block, sorted, 4 bytes each (little-endian)
            callers BLOB NOT NULL,       -- the caller ids, likewise
            data BLOB NOT NULL           -- the calls (ToolCallBlockEncoder's layout)
        ) STRICT;
        CREATE INDEX IF NOT EXISTS tool_call_blocks_time ON tool_call_blocks (last_time);
        """;

    // The table of the first versions, copied oldest first into the narrow per-call table of the next version (made
    // here only for the copy); a 64-digit hex hash becomes its 32 bytes, any other text stays text.
    private const string MigrateToolCallsSql = """
        CREATE TABLE IF NOT EXISTS tool_call_log (
            rowid INTEGER PRIMARY KEY, timestamp INTEGER NOT NULL, caller INTEGER NOT NULL, tool INTEGER NOT NULL,
            outcome INTEGER NOT NULL, duration_ms REAL NOT NULL, arguments_hash ANY NOT NULL, result TEXT, session_id TEXT) STRICT;
        INSERT OR IGNORE INTO tool_call_names (name) SELECT caller FROM tool_calls UNION SELECT tool FROM tool_calls;
        INSERT INTO tool_call_log (rowid, timestamp, caller, tool, outcome, duration_ms, arguments_hash, result, session_id)
            SELECT ((SELECT coalesce(max(rowid), 0) FROM tool_call_log) + row_number() OVER (ORDER BY o.timestamp, o.rowid)), o.timestamp, c.rowid, t.rowid,
                CASE o.outcome WHEN 'Error' THEN 1 WHEN 'Cancelled' THEN 2 WHEN 'TimedOut' THEN 3 ELSE 0 END,
                o.duration_ms,
                CASE WHEN length(o.arguments_hash) = 64 AND unhex(o.arguments_hash) IS NOT NULL THEN unhex(o.arguments_hash) ELSE o.arguments_hash END,
                o.result, o.session_id
            FROM tool_calls o JOIN tool_call_names c ON c.name = o.caller JOIN tool_call_names t ON t.name = o.tool
            ORDER BY o.timestamp, o.rowid;
        DROP TABLE tool_calls;
        """;

    private const string InsertToolCallBlockSql = """
        INSERT INTO tool_call_blocks (first_time, last_time, first_key, last_key, count, outcomes, tools, callers, data)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9);
        """;

    private async Task CreateToolCallLogAsync(CancellationToken cancellationToken)
    {
        await ExecuteAsync(_writer, ToolCallBlockSchema, cancellationToken);
        _lastToolCallKey = await ScalarAsync(_writer, "SELECT MAX(last_key) FROM tool_call_blocks", cancellationToken) is long last ? last : 0;
        var hasFirst = await ScalarAsync(_writer, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'tool_calls'", cancellationToken) is not null;
        var hasLog = await ScalarAsync(_writer, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'tool_call_log'", cancellationToken) is not null;
        if (hasFirst || hasLog)
        {
            MigrateToolCallTables(hasFirst);
        }
    }

    /// <summary>Copies <c>tool_calls</c> and/or <c>tool_call_log</c> into blocks and drops them, all in one transaction.</summary>
    private void MigrateToolCallTables(bool hasFirst)
    {
        var migrated = 0L;
        using (var transaction = _writer.BeginTransaction())
        {
            if (hasFirst)
            {
                using var command = _writer.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = MigrateToolCallsSql;
                command.ExecuteNonQuery();
            }

            using (var read = _writer.CreateCommand())
            {
                read.Transaction = transaction;
                read.CommandText = "SELECT rowid, timestamp, caller, tool, outcome, duration_ms, arguments_hash, result, session_id FROM tool_call_log ORDER BY rowid";
                using var reader = read.ExecuteReader();
                var encoder = _blockEncoder;
                encoder.Reset();
                while (reader.Read())
                {
                    var hashValue = reader.GetValue(6);
                    var outcome = reader.GetInt64(4);
                    encoder.Add(NextToolCallKey(DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1))), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3),
                        outcome >= 0 && outcome < ToolCallOutcomeCount ? (ToolCallOutcome)outcome : ToolCallOutcome.Error,
                        TimeSpan.FromMilliseconds(reader.GetDouble(5)),
                        hashValue as byte[] is { Length: 32 } bytes ? bytes : default, hashValue as byte[] is { Length: 32 } ? null : hashValue is byte[] other ? Convert.ToHexStringLower(other) : Convert.ToString(hashValue, CultureInfo.InvariantCulture) ?? "",
                        reader.IsDBNull(7) ? default : reader.GetString(7).AsSpan(), reader.IsDBNull(7),
                        reader.IsDBNull(8) ? null : reader.GetString(8));
                    migrated++;
                    if (encoder.Count == CallsPerMigratedBlock)
                    {
                        InsertToolCallBlock(encoder);
                        encoder.Reset();
                    }
                }

                if (encoder.Count > 0)
                {
                    InsertToolCallBlock(encoder);
                }

                encoder.Reset();
            }

            using (var drop = _writer.CreateCommand())
            {
                drop.Transaction = transaction;
                drop.CommandText = "DROP TABLE tool_call_log;";
                drop.ExecuteNonQuery();
            }

            transaction.Commit();
        }

        LogToolCallsMigrated(_logger, _options.DatabasePath, migrated);
    }

    public int AppendToolCalls(IToolCallRows rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return rows.Count == 0 ? 0 : Append(rows.Count, (encoder, i) =>
        {
            var row = rows[i];
            encoder.Add(NextToolCallKey(row.Timestamp), row.Timestamp.ToUnixTimeMilliseconds(), ToolCallNameId(row.Caller), ToolCallNameId(row.Tool),
                row.Outcome, row.Duration, row.ArgumentsHash, null, row.Result, false, row.SessionId);
        });
    }

    public Task RecordToolCallAsync(ToolCallRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        return RecordToolCallsAsync([record], cancellationToken);
    }

    /// <summary>Writes the records as one block in one transaction: one commit (and one sync to disk) for the whole batch.</summary>
    public Task RecordToolCallsAsync(IReadOnlyList<ToolCallRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        cancellationToken.ThrowIfCancellationRequested();
        if (records.Count > 0)
        {
            Append(records.Count, (encoder, i) =>
            {
                var record = records[i];
                Span<byte> hash = stackalloc byte[32];
                var isHex = record.ArgumentsHash.Length == 64 && Convert.FromHexString(record.ArgumentsHash, hash, out _, out var written) == System.Buffers.OperationStatus.Done && written == 32;
                encoder.Add(NextToolCallKey(record.Timestamp), record.Timestamp.ToUnixTimeMilliseconds(), ToolCallNameId(record.Caller), ToolCallNameId(record.Tool),
                    record.Outcome, record.Duration, isHex ? hash : default, isHex ? null : record.ArgumentsHash, record.Result, record.Result is null, record.SessionId);
            });
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// The key (record id) of a call at <paramref name="time"/>: its millisecond × 65,536, or one past the last key given
    /// if that is later, so keys are unique and rise in the order calls are written (a call that finished a moment
    /// before the last one written, on another thread, sorts by its time and then by its key).
    /// </summary>
    private long NextToolCallKey(DateTimeOffset time)
    {
        _lastToolCallKey = Math.Max(ToolCallKey(time), _lastToolCallKey + 1);
        return _lastToolCallKey;
    }

    private delegate void BlockRowWriter(ToolCallBlockEncoder encoder, int index);

    /// <summary>Encodes <paramref name="count"/> calls into one block and inserts it in one transaction.</summary>
    private int Append(int count, BlockRowWriter add)
    {
        _writeLock.Wait();
        var lastKey = _lastToolCallKey;
        try
        {
            ThrowIfDisposed();
            using var transaction = _writer.BeginTransaction();
            try
            {
                _blockEncoder.Reset();
                for (var i = 0; i < count; i++)
                {
                    add(_blockEncoder, i);
                }

                InsertToolCallBlock(_blockEncoder);
                transaction.Commit();
            }
            catch
            {
                _toolCallNames.Clear(); // names added in the rolled-back transaction are gone
                _lastToolCallKey = lastKey;
                throw;
            }
            finally
            {
                _blockEncoder.Reset();
            }

            return count;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>One row of tool_call_blocks, bound with SQLite's own calls (the ADO.NET command would copy the BLOB).</summary>
    private void InsertToolCallBlock(ToolCallBlockEncoder block)
    {
        var db = _writer.Handle!;
        Check(raw.sqlite3_prepare_v2(db, InsertToolCallBlockSql, out var statement), db);
        using (statement)
        {
            raw.sqlite3_bind_int64(statement, 1, block.FirstTime);
            raw.sqlite3_bind_int64(statement, 2, block.LastTime);
            raw.sqlite3_bind_int64(statement, 3, block.FirstKey);
            raw.sqlite3_bind_int64(statement, 4, block.LastKey);
            raw.sqlite3_bind_int64(statement, 5, block.Count);
            raw.sqlite3_bind_int64(statement, 6, block.Outcomes);
            raw.sqlite3_bind_blob(statement, 7, block.Tools);
            raw.sqlite3_bind_blob(statement, 8, block.Callers);
            raw.sqlite3_bind_blob(statement, 9, block.Data);
            Check(raw.sqlite3_step(statement), db);
        }
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
    /// One short transaction that deletes whole blocks, oldest first, until at least <paramref name="limit"/> records
    /// went or none is left to go: first blocks whose newest call is older than <paramref name="olderThan"/>, then
    /// the oldest blocks while the blocks after them still hold at least <paramref name="keepNewest"/> calls (so a
    /// block straddling either limit is kept until all of it is past it). Returns the records deleted.
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
            var total = keepNewest > 0 ? await ScalarAsync(_writer, "SELECT coalesce(SUM(count), 0) FROM tool_call_blocks", cancellationToken) as long? ?? 0 : 0;
            await using var oldest = _writer.CreateCommand();
            oldest.Transaction = transaction;
            oldest.CommandText = "SELECT rowid, count, last_time FROM tool_call_blocks ORDER BY last_time, rowid LIMIT 1;";
            await using var delete = _writer.CreateCommand();
            delete.Transaction = transaction;
            delete.CommandText = "DELETE FROM tool_call_blocks WHERE rowid = $rowid;";
            var rowid = delete.Parameters.Add("$rowid", SqliteType.Integer);
            var cutoff = olderThan?.ToUnixTimeMilliseconds();
            while (deleted < limit)
            {
                long blockId, count, lastTime;
                await using (var reader = await oldest.ExecuteReaderAsync(cancellationToken))
                {
                    if (!await reader.ReadAsync(cancellationToken))
                    {
                        break;
                    }

                    (blockId, count, lastTime) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
                }

                var tooOld = lastTime < cutoff;
                var beyondCount = keepNewest > 0 && total - count >= keepNewest;
                if (!tooOld && !beyondCount)
                {
                    break;
                }

                rowid.Value = blockId;
                await delete.ExecuteNonQueryAsync(cancellationToken);
                deleted += (int)count;
                total -= count;
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
        var limit = Math.Max(0, query.Limit);
        if (limit == 0)
        {
            return [];
        }

        await using var connection = await OpenReadAsync(cancellationToken);
        var names = new Dictionary<long, string>();
        await using (var read = connection.CreateCommand())
        {
            read.CommandText = "SELECT rowid, name FROM tool_call_names;";
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                names[reader.GetInt64(0)] = reader.GetString(1);
            }
        }

        long? NameId(string? name) => name is null ? null : names.FirstOrDefault(n => string.Equals(n.Value, name, StringComparison.Ordinal)) is { Value: not null } found ? found.Key : -1;
        var filter = new ToolCallBlockFilter(NameId(query.Tool), NameId(query.Caller), query.Outcome, query.SessionId,
            query.Since?.ToUnixTimeMilliseconds(), query.Until?.ToUnixTimeMilliseconds());
        if (filter.Tool == -1 || filter.Caller == -1)
        {
            return [];
        }

        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT rowid, last_time, first_key, count, tools, callers, data FROM tool_call_blocks
            WHERE last_time >= $since AND first_time <= $until AND (outcomes & $outcomes) != 0
            ORDER BY last_time DESC, rowid DESC;
            """;
        command.Parameters.AddWithValue("$since", filter.Since ?? long.MinValue);
        command.Parameters.AddWithValue("$until", filter.Until ?? long.MaxValue);
        command.Parameters.AddWithValue("$outcomes", query.Outcome is { } o ? 1L << (int)o : -1L);
        var matches = new List<DecodedToolCall>();
        var block = new List<DecodedToolCall>();
        long? kthTime = null;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                if (reader.GetInt64(1) < kthTime)
                {
                    break; // every call left is older than the newest `limit` found
                }

                if ((filter.Tool is { } tool && !ToolCallBlockEncoder.SummaryContains((byte[])reader.GetValue(4), tool))
                    || (filter.Caller is { } caller && !ToolCallBlockEncoder.SummaryContains((byte[])reader.GetValue(5), caller)))
                {
                    continue;
                }

                block.Clear();
                var blockId = reader.GetInt64(0);
                try
                {
                    ToolCallBlockEncoder.Decode((byte[])reader.GetValue(6), reader.GetInt64(2), reader.GetInt64(3), filter, block);
                }
                catch (InvalidDataException e)
                {
                    LogToolCallBlockDamaged(_logger, _options.DatabasePath, blockId, reader.GetInt64(3), e.Message);
                    continue;
                }

                matches.AddRange(block);
                if (matches.Count >= limit)
                {
                    matches.Sort(static (a, b) => b.Time != a.Time ? b.Time.CompareTo(a.Time) : b.Key.CompareTo(a.Key));
                    matches.RemoveRange(limit, matches.Count - limit);
                    kthTime = matches[^1].Time;
                }
            }
        }

        matches.Sort(static (a, b) => b.Time != a.Time ? b.Time.CompareTo(a.Time) : b.Key.CompareTo(a.Key));
        var records = new List<ToolCallRecord>(matches.Count);
        foreach (var call in matches)
        {
            records.Add(new ToolCallRecord
            {
                Id = call.Key.ToString(CultureInfo.InvariantCulture),
                Caller = names.GetValueOrDefault(call.Caller, "#" + call.Caller.ToString(CultureInfo.InvariantCulture)),
                Tool = names.GetValueOrDefault(call.Tool, "#" + call.Tool.ToString(CultureInfo.InvariantCulture)),
                ArgumentsHash = call.ArgumentsHash,
                Duration = call.Duration,
                Outcome = call.Outcome,
                Result = call.Result,
                Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(call.Time),
                SessionId = call.SessionId,
            });
        }

        return records;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Knowledge store {Path}: the tool-call record of an earlier version ({Count} calls) was copied into tool_call_blocks and the old table dropped")]
    private static partial void LogToolCallsMigrated(ILogger logger, string path, long count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Knowledge store {Path}: tool-call block {Block} ({Count} calls) is damaged and was skipped when reading: {Reason}")]
    private static partial void LogToolCallBlockDamaged(ILogger logger, string path, long block, long count, string reason);
}

/// <summary>What a query asks of each call; names as ids, times as Unix ms (inclusive).</summary>
internal readonly record struct ToolCallBlockFilter(long? Tool, long? Caller, ToolCallOutcome? Outcome, string? SessionId, long? Since, long? Until);

/// <summary>One call read back from a block.</summary>
internal readonly record struct DecodedToolCall(long Key, long Time, long Caller, long Tool, ToolCallOutcome Outcome, TimeSpan Duration, string ArgumentsHash, string? Result, string? SessionId);

/// <summary>
/// The layout of a block's calls, one after another, in the order written (keys rising):
/// <code>
/// varint   key − previous key (the first: key − first_key, i.e. 0)
/// zigzag   time in Unix ms − (key &gt;&gt; 16)   (0 unless the call is older than the one before it)
/// varint   caller id, varint tool id
/// byte     flags: bits 0–2 outcome, bit 3 hash is text, bit 4 result is null, bit 5 session is null
/// zigzag   duration in ticks
/// hash     32 bytes, or (bit 3) varint length + UTF-8
/// result   varint length + UTF-8 (unless bit 4)
/// session  varint length + UTF-8 (unless bit 5)
/// </code>
/// Tools and callers of a block are summarised as sorted 4-byte ids, the outcomes as a bit set.
/// </summary>
internal sealed class ToolCallBlockEncoder
{
    private const byte HashIsText = 1 << 3, ResultIsNull = 1 << 4, SessionIsNull = 1 << 5;
    private static readonly byte[] Ellipsis = "…"u8.ToArray();
    private byte[] _data = new byte[64 * 1024];
    private int _length;
    private readonly HashSet<long> _tools = [];
    private readonly HashSet<long> _callers = [];
    private byte[] _toolSummary = [];
    private byte[] _callerSummary = [];
    private long _previousKey;

    public int Count { get; private set; }
    public long FirstKey { get; private set; }
    public long LastKey => _previousKey;
    public long FirstTime { get; private set; }
    public long LastTime { get; private set; }
    public long Outcomes { get; private set; }
    public ReadOnlySpan<byte> Data => _data.AsSpan(0, _length);
    public ReadOnlySpan<byte> Tools => _toolSummary = Summary(_tools);
    public ReadOnlySpan<byte> Callers => _callerSummary = Summary(_callers);

    public void Reset()
    {
        _length = 0;
        Count = 0;
        Outcomes = 0;
        _tools.Clear();
        _callers.Clear();
        if (_data.Length > 4 * 1024 * 1024)
        {
            _data = new byte[64 * 1024]; // a rare huge block does not keep its buffer
        }
    }

    public void Add(long key, long time, long caller, long tool, ToolCallOutcome outcome, TimeSpan duration,
        ReadOnlySpan<byte> hash, string? hashText, ReadOnlySpan<char> result, bool resultIsNull, string? sessionId)
    {
        if (Count == 0)
        {
            FirstKey = _previousKey = key;
            FirstTime = LastTime = time;
        }

        var cut = result.Length > ToolCallRecord.MaxResultLength;
        if (cut)
        {
            result = result[..(ToolCallRecord.MaxResultLength - 1)];
        }

        Ensure(64 + Encoding.UTF8.GetMaxByteCount(result.Length) + (hashText?.Length * 3 ?? 0) + (sessionId?.Length * 3 ?? 0) + 10);
        WriteVarint((ulong)(key - _previousKey));
        WriteVarint(ZigZag(time - (key >> 16)));
        WriteVarint((ulong)caller);
        WriteVarint((ulong)tool);
        var isText = hash.Length != 32;
        _data[_length++] = (byte)((int)outcome & 7 | (isText ? HashIsText : 0) | (resultIsNull ? ResultIsNull : 0) | (sessionId is null ? SessionIsNull : 0));
        WriteVarint(ZigZag(duration.Ticks));
        if (isText)
        {
            WriteString(hashText ?? "");
        }
        else
        {
            hash.CopyTo(_data.AsSpan(_length));
            _length += 32;
        }

        if (!resultIsNull)
        {
            var bytes = Encoding.UTF8.GetByteCount(result) + (cut ? Ellipsis.Length : 0);
            WriteVarint((ulong)bytes);
            _length += Encoding.UTF8.GetBytes(result, _data.AsSpan(_length));
            if (cut)
            {
                Ellipsis.CopyTo(_data.AsSpan(_length));
                _length += Ellipsis.Length;
            }
        }

        if (sessionId is not null)
        {
            WriteString(sessionId);
        }

        _previousKey = key;
        FirstTime = Math.Min(FirstTime, time);
        LastTime = Math.Max(LastTime, time);
        Outcomes |= 1L << ((int)outcome & 7);
        _tools.Add(tool);
        _callers.Add(caller);
        Count++;
    }

    private void WriteString(string text)
    {
        var bytes = Encoding.UTF8.GetByteCount(text);
        Ensure(bytes + 10);
        WriteVarint((ulong)bytes);
        _length += Encoding.UTF8.GetBytes(text, _data.AsSpan(_length));
    }

    private void Ensure(int more)
    {
        if (_length + more > _data.Length)
        {
            Array.Resize(ref _data, Math.Max(_data.Length * 2, _length + more));
        }
    }

    private void WriteVarint(ulong value)
    {
        while (value >= 0x80)
        {
            _data[_length++] = (byte)(value | 0x80);
            value >>= 7;
        }

        _data[_length++] = (byte)value;
    }

    private static ulong ZigZag(long value) => (ulong)((value << 1) ^ (value >> 63));

    private static long UnZigZag(ulong value) => (long)(value >> 1) ^ -(long)(value & 1);

    private static byte[] Summary(HashSet<long> ids)
    {
        var sorted = ids.Order().ToArray();
        var bytes = new byte[sorted.Length * 4];
        for (var i = 0; i < sorted.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * 4), (int)sorted[i]);
        }

        return bytes;
    }

    /// <summary>Whether a block's summary of sorted 4-byte ids holds <paramref name="id"/>.</summary>
    public static bool SummaryContains(ReadOnlySpan<byte> summary, long id)
    {
        int lo = 0, hi = summary.Length / 4 - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var value = BinaryPrimitives.ReadInt32LittleEndian(summary[(mid * 4)..]);
            if (value == id)
            {
                return true;
            }

            (lo, hi) = value < id ? (mid + 1, hi) : (lo, mid - 1);
        }

        return false;
    }

    /// <summary>Reads every call of a block and adds those <paramref name="filter"/> lets through; a damaged block throws <see cref="InvalidDataException"/>.</summary>
    public static void Decode(ReadOnlySpan<byte> data, long firstKey, long count, in ToolCallBlockFilter filter, List<DecodedToolCall> into)
    {
        var position = 0;
        var key = firstKey;
        try
        {
            for (var i = 0; i < count; i++)
            {
                key += (long)ReadVarint(data, ref position);
                var time = (key >> 16) + UnZigZag(ReadVarint(data, ref position));
                var caller = (long)ReadVarint(data, ref position);
                var tool = (long)ReadVarint(data, ref position);
                var flags = data[position++];
                var duration = UnZigZag(ReadVarint(data, ref position));
                var hashBytes = (flags & HashIsText) != 0 ? ReadBytes(data, ref position) : Take(data, ref position, 32);
                var result = (flags & ResultIsNull) != 0 ? default : ReadBytes(data, ref position);
                var session = (flags & SessionIsNull) != 0 ? default : ReadBytes(data, ref position);
                var outcome = (ToolCallOutcome)(flags & 7);
                if ((filter.Tool is { } t && t != tool) || (filter.Caller is { } c && c != caller) || (filter.Outcome is { } o && o != outcome)
                    || time < filter.Since || time > filter.Until
                    || (filter.SessionId is { } s && ((flags & SessionIsNull) != 0 || !Utf8Equals(session, s))))
                {
                    continue;
                }

                into.Add(new DecodedToolCall(key, time, caller, tool, outcome, TimeSpan.FromTicks(duration),
                    (flags & HashIsText) != 0 ? Encoding.UTF8.GetString(hashBytes) : Convert.ToHexStringLower(hashBytes),
                    (flags & ResultIsNull) != 0 ? null : Encoding.UTF8.GetString(result),
                    (flags & SessionIsNull) != 0 ? null : Encoding.UTF8.GetString(session)));
            }
        }
        catch (Exception e) when (e is IndexOutOfRangeException or ArgumentOutOfRangeException or OverflowException or ArgumentException)
        {
            throw new InvalidDataException($"its data ends or breaks at byte {position} of {data.Length}", e);
        }

        if (position != data.Length)
        {
            throw new InvalidDataException($"{data.Length - position} bytes left after its {count} calls");
        }
    }

    private static bool Utf8Equals(ReadOnlySpan<byte> utf8, string text) =>
        utf8.Length == Encoding.UTF8.GetByteCount(text) && Encoding.UTF8.GetString(utf8) == text;

    private static ReadOnlySpan<byte> ReadBytes(ReadOnlySpan<byte> data, ref int position)
    {
        var length = ReadVarint(data, ref position);
        if (length > (ulong)(data.Length - position))
        {
            throw new InvalidDataException($"a length of {length} at byte {position} runs past the end ({data.Length})");
        }

        return Take(data, ref position, (int)length);
    }

    private static ReadOnlySpan<byte> Take(ReadOnlySpan<byte> data, ref int position, int length)
    {
        var slice = data.Slice(position, length);
        position += length;
        return slice;
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> data, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = data[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        throw new InvalidDataException($"a number at byte {position} is longer than 10 bytes");
    }
}
