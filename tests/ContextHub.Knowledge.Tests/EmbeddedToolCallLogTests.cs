using System.Globalization;
using System.Security.Cryptography;
using ContextHub.Knowledge.Embedded;
using ContextHub.Knowledge.Indexes;
using Microsoft.Data.Sqlite;

namespace ContextHub.Knowledge.Tests;

/// <summary>The embedded store's tool-call log: rows appended in place, read back through every filter, kept by the retention limits, and the table of earlier versions carried over.</summary>
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
    public async Task Retention_deletes_by_age_then_by_count_oldest_first_in_steps()
    {
        await using var store = await OpenAsync();
        store.AppendToolCalls(new Rows([.. Enumerable.Range(0, 50).Select(i => (T0.AddMinutes(i), "a@stdio", "echo", ToolCallOutcome.Success, "call " + i, (string?)null))]));

        // Older than minute 10: ten rows, in steps of four.
        Assert.Equal(4, await store.DeleteOldToolCallsAsync(T0.AddMinutes(10), 0, 4));
        Assert.Equal(4, await store.DeleteOldToolCallsAsync(T0.AddMinutes(10), 0, 4));
        Assert.Equal(2, await store.DeleteOldToolCallsAsync(T0.AddMinutes(10), 0, 4));
        Assert.Equal(0, await store.DeleteOldToolCallsAsync(T0.AddMinutes(10), 0, 4));
        Assert.Equal("call 10", (await store.GetToolCallsAsync(new ToolCallQuery { Limit = 100 }))[^1].Result);

        // Keep the newest 25 of the 40 left.
        Assert.Equal(10, await store.DeleteOldToolCallsAsync(null, 25, 10));
        Assert.Equal(5, await store.DeleteOldToolCallsAsync(null, 25, 10));
        Assert.Equal(0, await store.DeleteOldToolCallsAsync(null, 25, 10));
        var kept = await store.GetToolCallsAsync(new ToolCallQuery { Limit = 100 });
        Assert.Equal(Enumerable.Range(25, 25).Reverse().Select(i => "call " + i), kept.Select(r => r.Result));
    }

    [Fact]
    public async Task The_table_of_earlier_versions_is_copied_into_the_log_and_dropped()
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
        tables.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE name LIKE 'tool_calls%'";
        Assert.Equal(0L, await tables.ExecuteScalarAsync());
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
