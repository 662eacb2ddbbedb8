using System.Globalization;
using System.Security.Cryptography;
using ContextHub.Knowledge.Embedded;
using ContextHub.Knowledge.Indexes;
using Microsoft.Data.Sqlite;

namespace ContextHub.Knowledge.Tests;

/// <summary>The embedded store's tool-call record in blocks: each write one block, read back through every filter in time order across blocks, kept by the retention limits in whole blocks, damaged blocks skipped, and the tables of earlier versions carried over.</summary>
public sealed class EmbeddedToolCallLogTests : IDisposable
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-03-01T12:00:00Z", CultureInfo.InvariantCulture);
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private Task<EmbeddedKnowledgeStore> OpenAsync(string name = "store") => EmbeddedKnowledgeStore.OpenAsync(Path.Combine(_folder.Path, name));

    [Fact]
    public async Task Rows_appended_in_place_read_back_through_every_filter_newest_first()
    {
        await using var store = await OpenAsync();
        var rows = new Rows(
        [
            (T0, "alice@streamablehttp", "search", ToolCallOutcome.Success, "found 3", "s1"),
            (T0.AddSeconds(1), "bob@stdio", "fetch", ToolCallOutcome.Error, "error -32602: no such document", null),
            (T0.AddSeconds(2), "alice@streamablehttp", "fetch", ToolCallOutcome.Cancelled, "", "s1"),
            (T0.AddSeconds(2), "alice@streamablehttp", "search", ToolCallOutcome.Success, new string('r', 1500), "s2"), // same millisecond
            (T0.AddSeconds(3), "bob@stdio", "search", ToolCallOutcome.TimedOut, "timed out", null),
        ]);
        Assert.Equal(5, store.AppendToolCalls(rows));

        var all = await store.GetToolCallsAsync(new ToolCallQuery());
        Assert.Equal(["timed out", new string('r', ToolCallRecord.MaxResultLength - 1) + "…", "", "error -32602: no such document", "found 3"], all.Select(r => r.Result));
        Assert.Equal(5, all.Select(r => r.Id).Distinct().Count());
        var first = all[^1];
        Assert.Equal(("alice@streamablehttp", "search", ToolCallOutcome.Success, T0, "s1"), (first.Caller, first.Tool, first.Outcome, first.Timestamp, first.SessionId));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData("found 3"u8)), first.ArgumentsHash);
        Assert.Equal(12.5, first.Duration.TotalMilliseconds);

        async Task<string[]> Results(ToolCallQuery query) => [.. (await store.GetToolCallsAsync(query)).Select(r => r.Result![..Math.Min(9, r.Result!.Length)])];
        Assert.Equal(["timed out", "found 3"], (await store.GetToolCallsAsync(new ToolCallQuery { Tool = "search" })).Where(r => r.Result!.Length < 100).Select(r => r.Result));
        Assert.Equal(3, (await store.GetToolCallsAsync(new ToolCallQuery { Tool = "search" })).Count);
        Assert.Equal(["timed out", "error -32"], await Results(new ToolCallQuery { Caller = "bob@stdio" }));
        Assert.Equal(["", "found 3"], await Results(new ToolCallQuery { Caller = "alice@streamablehttp", SessionId = "s1" }));
        Assert.Equal(["error -32"], await Results(new ToolCallQuery { Outcome = ToolCallOutcome.Error }));
        Assert.Equal(["timed out", "rrrrrrrrr", ""], await Results(new ToolCallQuery { Since = T0.AddSeconds(2) }));
        Assert.Equal(["rrrrrrrrr", "", "error -32", "found 3"], await Results(new ToolCallQuery { Until = T0.AddSeconds(2) }));
        Assert.Equal(["rrrrrrrrr", ""], await Results(new ToolCallQuery { Since = T0.AddSeconds(2), Until = T0.AddSeconds(2).AddTicks(1) }));
        Assert.Equal(["timed out", "rrrrrrrrr"], await Results(new ToolCallQuery { Limit = 2 }));
        Assert.Empty(await store.GetToolCallsAsync(new ToolCallQuery { Caller = "nobody" }));
        Assert.Empty(await store.GetToolCallsAsync(new ToolCallQuery { Tool = "search", Caller = "bob@stdio", Outcome = ToolCallOutcome.Success }));
        Assert.Equal(5, (await store.GetStatsAsync()).ToolCalls);
    }

    [Fact]
    public async Task A_call_older_than_the_newest_row_is_kept_in_time_order_and_survives_a_reopen()
    {
        var folder = Path.Combine(_folder.Path, "order");
        await using (var store = await EmbeddedKnowledgeStore.OpenAsync(folder))
        {
            store.AppendToolCalls(new Rows([(T0.AddSeconds(5), "a@stdio", "echo", ToolCallOutcome.Success, "late", null)]));
            store.AppendToolCalls(new Rows([(T0, "a@stdio", "echo", ToolCallOutcome.Success, "early", null), (T0, "a@stdio", "echo", ToolCallOutcome.Success, "early too", null)]));
            await store.RecordToolCallAsync(new ToolCallRecord { Caller = "a@stdio", Tool = "echo", Timestamp = T0.AddSeconds(5), Result = "same millisecond as late", ArgumentsHash = "not hex" });
        }

        await using var reopened = await EmbeddedKnowledgeStore.OpenAsync(folder);
        reopened.AppendToolCalls(new Rows([(T0.AddSeconds(5), "a@stdio", "echo", ToolCallOutcome.Success, "after reopen", null)]));
        var all = await reopened.GetToolCallsAsync(new ToolCallQuery());
        Assert.Equal(["after reopen", "same millisecond as late", "late", "early too", "early"], all.Select(r => r.Result));
        Assert.Equal("not hex", all[1].ArgumentsHash);
    }

    [Fact]
    public async Task Retention_deletes_whole_blocks_by_age_then_by_count_oldest_first()
    {
        await using var store = await OpenAsync();
        // Ten blocks of five calls, one a minute: block b holds minutes 5b … 5b+4.
        for (var b = 0; b < 10; b++)
        {
            store.AppendToolCalls(new Rows([.. Enumerable.Range(b * 5, 5).Select(i => (T0.AddMinutes(i), "a@stdio", "echo", ToolCallOutcome.Success, "call " + i, (string?)null))]));
        }

        // Older than minute 12: blocks 0 and 1 are wholly older; block 2 (minutes 10–14) straddles the cutoff and stays.
        Assert.Equal(5, await store.DeleteOldToolCallsAsync(T0.AddMinutes(12), 0, 4)); // at least one whole block per step
        Assert.Equal(5, await store.DeleteOldToolCallsAsync(T0.AddMinutes(12), 0, 4));
        Assert.Equal(0, await store.DeleteOldToolCallsAsync(T0.AddMinutes(12), 0, 4));
        Assert.Equal("call 10", (await store.GetToolCallsAsync(new ToolCallQuery { Limit = 100 }))[^1].Result);

        // Keep the newest 22 of the 40 left: three blocks go (25 left), a fourth would leave 20.
        Assert.Equal(10, await store.DeleteOldToolCallsAsync(null, 22, 10));
        Assert.Equal(5, await store.DeleteOldToolCallsAsync(null, 22, 10));
        Assert.Equal(0, await store.DeleteOldToolCallsAsync(null, 22, 10));
        var kept = await store.GetToolCallsAsync(new ToolCallQuery { Limit = 100 });
        Assert.Equal(Enumerable.Range(25, 25).Reverse().Select(i => "call " + i), kept.Select(r => r.Result));
        Assert.Equal(25, (await store.GetStatsAsync()).ToolCalls);
        Assert.Equal(5L, await ScalarAsync(store, "SELECT COUNT(*) FROM tool_call_blocks"));
    }

    [Fact]
    public async Task Each_write_is_one_block_and_queries_order_and_page_across_blocks()
    {
        await using var store = await OpenAsync();
        // Three writes; the second holds a call older than the first write's newest (another thread finished it
        // earlier), so blocks overlap in time.
        store.AppendToolCalls(new Rows([(T0, "a@stdio", "search", ToolCallOutcome.Success, "0", "s1"), (T0.AddSeconds(2), "b@stdio", "fetch", ToolCallOutcome.Error, "2", null)]));
        store.AppendToolCalls(new Rows([(T0.AddSeconds(1), "a@stdio", "fetch", ToolCallOutcome.Success, "1", "s2"), (T0.AddSeconds(3), "a@stdio", "search", ToolCallOutcome.Success, "3", "s1")]));
        store.AppendToolCalls(new Rows([(T0.AddSeconds(4), "c@stdio", "echo", ToolCallOutcome.Cancelled, "4", null), (T0.AddSeconds(5), "a@stdio", "search", ToolCallOutcome.Success, "5", null)]));
        Assert.Equal(3L, await ScalarAsync(store, "SELECT COUNT(*) FROM tool_call_blocks"));

        async Task<string> Results(ToolCallQuery query) => string.Concat((await store.GetToolCallsAsync(query)).Select(r => r.Result));
        Assert.Equal("543210", await Results(new ToolCallQuery()));
        Assert.Equal("5432", await Results(new ToolCallQuery { Limit = 4 }));
        Assert.Equal("54", await Results(new ToolCallQuery { Limit = 2 }));
        Assert.Equal("1", await Results(new ToolCallQuery { Until = T0.AddSeconds(1.5), Limit = 1 }));
        Assert.Equal("3210", await Results(new ToolCallQuery { Until = T0.AddSeconds(3) }));
        Assert.Equal("432", await Results(new ToolCallQuery { Since = T0.AddSeconds(2), Until = T0.AddSeconds(4) }));
        Assert.Equal("530", await Results(new ToolCallQuery { Tool = "search" }));
        Assert.Equal("53", await Results(new ToolCallQuery { Tool = "search", Limit = 2 }));
        Assert.Equal("4", await Results(new ToolCallQuery { Caller = "c@stdio" }));
        Assert.Equal("2", await Results(new ToolCallQuery { Outcome = ToolCallOutcome.Error }));
        Assert.Equal("", await Results(new ToolCallQuery { Outcome = ToolCallOutcome.TimedOut }));
        Assert.Equal("30", await Results(new ToolCallQuery { SessionId = "s1" }));
        Assert.Equal("1", await Results(new ToolCallQuery { SessionId = "s2", Caller = "a@stdio", Tool = "fetch" }));
        Assert.Equal("", await Results(new ToolCallQuery { Tool = "echo", Caller = "a@stdio" }));
        Assert.Equal("", await Results(new ToolCallQuery { Limit = 0 }));

        // Paging newest first across blocks: each page's oldest time is the next page's Until (exclusive by a millisecond).
        var pages = new List<string>();
        var until = (DateTimeOffset?)null;
        while (true)
        {
            var page = await store.GetToolCallsAsync(new ToolCallQuery { Limit = 2, Until = until });
            if (page.Count == 0)
            {
                break;
            }

            pages.Add(string.Concat(page.Select(r => r.Result)));
            until = page[^1].Timestamp.AddMilliseconds(-1);
        }

        Assert.Equal(["54", "32", "10"], pages);
    }

    [Fact]
    public async Task Thousands_of_calls_in_one_block_read_back_whole_with_their_hashes()
    {
        await using var store = await OpenAsync();
        var calls = Enumerable.Range(0, 5_000).Select(i => (T0.AddMilliseconds(i / 3), "caller" + (i % 7) + "@stdio", "tool" + (i % 11), (ToolCallOutcome)(i % 4), "result " + i, (string?)("s" + (i % 5)))).ToArray();
        Assert.Equal(5_000, store.AppendToolCalls(new Rows(calls)));
        var all = await store.GetToolCallsAsync(new ToolCallQuery { Limit = 10_000 });
        Assert.Equal(Enumerable.Range(0, 5_000).Reverse().Select(i => "result " + i), all.Select(r => r.Result));
        Assert.Equal(5_000, all.Select(r => r.Id).Distinct().Count());
        Assert.All(all, r => Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(r.Result!))), r.ArgumentsHash));
        var some = await store.GetToolCallsAsync(new ToolCallQuery { Limit = 10_000, Tool = "tool3", Caller = "caller2@stdio", Outcome = ToolCallOutcome.Error, SessionId = "s4" });
        var expected = Enumerable.Range(0, 5_000).Where(i => i % 11 == 3 && i % 7 == 2 && i % 4 == 1 && i % 5 == 4).Reverse().Select(i => "result " + i);
        Assert.Equal(expected, some.Select(r => r.Result));
        Assert.NotEmpty(some);
    }

    [Fact]
    public async Task A_damaged_block_is_skipped_with_an_error_line_and_the_others_still_read()
    {
        var logger = new ListLogger();
        var options = new EmbeddedStoreOptions { DataFolder = Path.Combine(_folder.Path, "damaged") };
        await using var store = await EmbeddedKnowledgeStore.OpenAsync(options, logger);
        store.AppendToolCalls(new Rows([(T0, "a@stdio", "echo", ToolCallOutcome.Success, "first", null)]));
        store.AppendToolCalls(new Rows([(T0.AddSeconds(1), "a@stdio", "echo", ToolCallOutcome.Success, "second", null), (T0.AddSeconds(2), "a@stdio", "echo", ToolCallOutcome.Success, "third", null)]));
        store.AppendToolCalls(new Rows([(T0.AddSeconds(3), "a@stdio", "echo", ToolCallOutcome.Success, "fourth", null)]));
        await using (var connection = new SqliteConnection($"Data Source={store.DatabasePath};Pooling=false"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            // Cut the middle block's data short, and give the last one bytes past its calls.
            command.CommandText = """
                UPDATE tool_call_blocks SET data = CAST(substr(data, 1, 20) AS BLOB) WHERE count = 2;
                UPDATE tool_call_blocks SET data = CAST(data || x'00' AS BLOB) WHERE rowid = (SELECT MAX(rowid) FROM tool_call_blocks);
                """;
            await command.ExecuteNonQueryAsync();
        }

        var all = await store.GetToolCallsAsync(new ToolCallQuery());
        Assert.Equal(["first"], all.Select(r => r.Result));
        Assert.Equal(2, logger.Lines.Count(l => l.Contains("is damaged and was skipped", StringComparison.Ordinal)));
        Assert.Contains(logger.Lines, l => l.Contains("(2 calls)", StringComparison.Ordinal) && l.Contains("ends or breaks", StringComparison.Ordinal));
        Assert.Contains(logger.Lines, l => l.Contains("1 bytes left after its 1 calls", StringComparison.Ordinal));
        // Retention still deletes damaged blocks whole.
        Assert.Equal(4, await store.DeleteOldToolCallsAsync(T0.AddHours(1), 0, 100));
    }

    [Fact]
    public async Task The_per_call_table_of_the_previous_version_is_copied_into_blocks_and_dropped()
    {
        var folder = Path.Combine(_folder.Path, "log");
        await (await EmbeddedKnowledgeStore.OpenAsync(folder)).DisposeAsync();
        var hash = SHA256.HashData("{}"u8);
        await using (var connection = new SqliteConnection($"Data Source={new EmbeddedStoreOptions { DataFolder = folder }.DatabasePath};Pooling=false"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            // The previous version's tables: 4,500 rows (more than one migrated block), row id = ms × 65,536 + sequence.
            command.CommandText = """
                CREATE TABLE tool_call_log (
                    rowid INTEGER PRIMARY KEY, timestamp INTEGER NOT NULL, caller INTEGER NOT NULL, tool INTEGER NOT NULL,
                    outcome INTEGER NOT NULL, duration_ms REAL NOT NULL, arguments_hash ANY NOT NULL, result TEXT, session_id TEXT) STRICT;
                CREATE INDEX tool_call_log_tool ON tool_call_log (tool);
                CREATE INDEX tool_call_log_caller ON tool_call_log (caller);
                INSERT INTO tool_call_names (rowid, name) VALUES (1, 'alice@stdio'), (2, 'search'), (3, 'bob@stdio'), (4, 'fetch');
                """;
            await command.ExecuteNonQueryAsync();
            await using var transaction = connection.BeginTransaction();
            await using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = "INSERT INTO tool_call_log VALUES ($rowid, $ts, $caller, $tool, $outcome, 2.5, $hash, $result, $session)";
            foreach (var (name, value) in new[] { ("$rowid", 0L), ("$ts", 0L), ("$caller", 0L), ("$tool", 0L), ("$outcome", 0L) })
            {
                insert.Parameters.AddWithValue(name, value);
            }

            insert.Parameters.AddWithValue("$hash", hash);
            insert.Parameters.AddWithValue("$result", "");
            insert.Parameters.AddWithValue("$session", "");
            for (var i = 0; i < 4_500; i++)
            {
                var ms = T0.ToUnixTimeMilliseconds() + i / 2;
                insert.Parameters["$rowid"].Value = (ms << 16) + i % 2;
                insert.Parameters["$ts"].Value = ms;
                insert.Parameters["$caller"].Value = i % 2 == 0 ? 1L : 3L;
                insert.Parameters["$tool"].Value = i % 3 == 0 ? 2L : 4L;
                insert.Parameters["$outcome"].Value = i == 7 ? 3L : i % 2;
                insert.Parameters["$hash"].Value = i == 9 ? "not hex" : hash;
                insert.Parameters["$result"].Value = i == 11 ? DBNull.Value : "r" + i;
                insert.Parameters["$session"].Value = i % 5 == 0 ? "s" : DBNull.Value;
                await insert.ExecuteNonQueryAsync();
            }

            await transaction.CommitAsync();
        }

        await using var store = await EmbeddedKnowledgeStore.OpenAsync(folder);
        var all = await store.GetToolCallsAsync(new ToolCallQuery { Limit = 10_000 });
        Assert.Equal(4_500, all.Count);
        Assert.Equal(Enumerable.Range(0, 4_500).Reverse().Select(i => i == 11 ? null : "r" + i), all.Select(r => r.Result));
        var first = all[^1];
        Assert.Equal(("alice@stdio", "search", Convert.ToHexStringLower(hash), 2.5, ToolCallOutcome.Success, T0, "s"),
            (first.Caller, first.Tool, first.ArgumentsHash, first.Duration.TotalMilliseconds, first.Outcome, first.Timestamp, first.SessionId));
        Assert.Equal(("bob@stdio", ToolCallOutcome.TimedOut), (all[^8].Caller, all[^8].Outcome));
        Assert.Equal("not hex", all[^10].ArgumentsHash);
        Assert.Equal(1_500, (await store.GetToolCallsAsync(new ToolCallQuery { Limit = 10_000, Tool = "search" })).Count);
        Assert.Equal(900, (await store.GetToolCallsAsync(new ToolCallQuery { Limit = 10_000, SessionId = "s" })).Count);
        Assert.Equal(2L, await ScalarAsync(store, "SELECT COUNT(*) FROM tool_call_blocks"));
        Assert.Equal(0L, await ScalarAsync(store, "SELECT COUNT(*) FROM sqlite_master WHERE name LIKE 'tool_call_log%'"));

        // New calls after the copied ones, even in a millisecond already used.
        store.AppendToolCalls(new Rows([(T0.AddMilliseconds(2_249), "bob@stdio", "fetch", ToolCallOutcome.Success, "new", null)]));
        var newest = await store.GetToolCallsAsync(new ToolCallQuery { Limit = 1 });
        Assert.Equal("new", newest[0].Result);
        Assert.DoesNotContain(newest[0].Id, all.Select(r => r.Id));
    }

    [Fact]
    public async Task The_table_of_the_first_versions_is_copied_into_blocks_and_dropped()
    {
        var folder = Path.Combine(_folder.Path, "old");
        await (await EmbeddedKnowledgeStore.OpenAsync(folder)).DisposeAsync();
        var hash = Convert.ToHexStringLower(SHA256.HashData("{}"u8));
        await using (var connection = new SqliteConnection($"Data Source={new EmbeddedStoreOptions { DataFolder = folder }.DatabasePath};Pooling=false"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            // The table as versions before the log wrote it, with three rows, two in one millisecond.
            command.CommandText = $"""
                CREATE TABLE tool_calls (
                    rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, caller TEXT NOT NULL, tool TEXT NOT NULL,
                    arguments_hash TEXT NOT NULL, duration_ms REAL NOT NULL, outcome TEXT NOT NULL, result TEXT,
                    timestamp INTEGER NOT NULL, session_id TEXT) STRICT;
                CREATE INDEX tool_calls_caller ON tool_calls (caller, timestamp);
                CREATE INDEX tool_calls_tool ON tool_calls (tool, timestamp);
                CREATE INDEX tool_calls_time ON tool_calls (timestamp);
                INSERT INTO tool_calls (id, caller, tool, arguments_hash, duration_ms, outcome, result, timestamp, session_id) VALUES
                    ('a', 'alice@stdio', 'search', '{hash}', 1.5, 'Success', 'first', {T0.ToUnixTimeMilliseconds()}, 's1'),
                    ('b', 'bob@stdio', 'fetch', 'h1', 2.5, 'Error', 'second', {T0.AddSeconds(1).ToUnixTimeMilliseconds()}, NULL),
                    ('c', 'alice@stdio', 'fetch', '{hash}', 3.5, 'Cancelled', NULL, {T0.AddSeconds(1).ToUnixTimeMilliseconds()}, NULL);
                """;
            await command.ExecuteNonQueryAsync();
        }

        await using var store = await EmbeddedKnowledgeStore.OpenAsync(folder);
        var all = await store.GetToolCallsAsync(new ToolCallQuery());
        Assert.Equal([null, "second", "first"], all.Select(r => r.Result));
        Assert.Equal(("alice@stdio", "search", hash, 1.5, ToolCallOutcome.Success, T0, "s1"),
            (all[2].Caller, all[2].Tool, all[2].ArgumentsHash, all[2].Duration.TotalMilliseconds, all[2].Outcome, all[2].Timestamp, all[2].SessionId));
        Assert.Equal(("h1", ToolCallOutcome.Error), (all[1].ArgumentsHash, all[1].Outcome));
        Assert.Equal(ToolCallOutcome.Cancelled, all[0].Outcome);
        Assert.Equal(2, (await store.GetToolCallsAsync(new ToolCallQuery { Caller = "alice@stdio" })).Count);
        Assert.Empty(await store.CheckIntegrityAsync());

        // New calls go after the copied ones; the old table is gone.
        store.AppendToolCalls(new Rows([(T0.AddSeconds(1), "bob@stdio", "fetch", ToolCallOutcome.Success, "third", null)]));
        Assert.Equal("third", (await store.GetToolCallsAsync(new ToolCallQuery { Limit = 1 }))[0].Result);
        await using var check = new SqliteConnection($"Data Source={store.DatabasePath};Mode=ReadOnly;Pooling=false");
        await check.OpenAsync();
        await using var tables = check.CreateCommand();
        tables.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE name LIKE 'tool_calls%' OR name LIKE 'tool_call_log%'";
        Assert.Equal(0L, await tables.ExecuteScalarAsync());
    }

    private static async Task<object?> ScalarAsync(EmbeddedKnowledgeStore store, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={store.DatabasePath};Mode=ReadOnly;Pooling=false");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }

    private sealed class ListLogger : Microsoft.Extensions.Logging.ILogger<EmbeddedKnowledgeStore>
    {
        public System.Collections.Concurrent.ConcurrentQueue<string> Lines { get; } = new();

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Enqueue(formatter(state, exception));
    }

    /// <summary>Rows as a writer would hand them over: the hash of the result text stands in for the arguments hash.</summary>
    private sealed class Rows((DateTimeOffset Time, string Caller, string Tool, ToolCallOutcome Outcome, string Result, string? Session)[] rows) : IToolCallRows
    {
        private readonly byte[][] _hashes = [.. rows.Select(r => SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(r.Result)))];

        public int Count => rows.Length;

        public ToolCallRow this[int index] => new()
        {
            Timestamp = rows[index].Time,
            Caller = rows[index].Caller,
            Tool = rows[index].Tool,
            Outcome = rows[index].Outcome,
            Duration = TimeSpan.FromMilliseconds(12.5),
            ArgumentsHash = _hashes[index],
            Result = rows[index].Result,
            SessionId = rows[index].Session,
        };
    }
}
