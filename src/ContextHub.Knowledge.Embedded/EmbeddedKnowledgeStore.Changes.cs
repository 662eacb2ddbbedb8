using System.Text.Json;
using ContextHub.Knowledge.Embedded.FullText;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace ContextHub.Knowledge.Embedded;

/// <summary>
/// Writes from other processes. The in-memory indices follow this store's own writes at once; another process that
/// writes to the same database (the <c>contexthub ingest</c> command beside a running server, a second store on the
/// same folder) is seen through the <c>changes</c> table: every write logs the row ids of the chunks it removed or
/// added, in its own transaction. A store applies the entries past the last one it applied: before each of its own
/// writes (inside the write's transaction, so nothing can slip in between) and when SQLite's <c>data_version</c> says
/// another connection committed (polled every <see cref="EmbeddedStoreOptions.ExternalChangesPollInterval"/>, or at
/// once through <see cref="RefreshAsync"/>). Applying means: drop those chunks from memory, then load again the ones
/// that still exist, so the order of the entries does not matter and applying twice does no harm.
/// </summary>
public sealed partial class EmbeddedKnowledgeStore
{
    /// <summary>Entries kept in the change log; a store that falls further behind reloads its indices whole.</summary>
    internal const int ChangeLogKeep = 200_000;

    private const string ChangeLogSchema = """
        CREATE TABLE IF NOT EXISTS changes (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            chunk_rowid INTEGER NOT NULL
        ) STRICT;
        """;

    /// <summary>The last entry number ever given (AUTOINCREMENT keeps it in sqlite_sequence, also after pruning).</summary>
    private const string LastSeqSql = "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'changes'), 0);";

    private readonly CancellationTokenSource _pollStop = new();
    private long _appliedSeq;
    private long _dataVersion;
    private int _writesSincePrune;
    private Task? _poll;

    /// <summary>Applies every change other processes committed to the database since this store last looked.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken = default)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            ThrowIfDisposed();
            var version = (long)(await ScalarAsync(_writer, "PRAGMA data_version;", cancellationToken))!;
            if (version == _dataVersion)
            {
                return;
            }

            await using var tx = _writer.BeginTransaction(deferred: true);
            await CatchUpAsync(tx, cancellationToken);
            _dataVersion = version;
            await tx.CommitAsync(CancellationToken.None);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>At open, before the indices load: where the change log stands (later entries are applied later).</summary>
    private async Task ReadChangePositionAsync(CancellationToken cancellationToken)
    {
        _appliedSeq = (long)(await ScalarAsync(_writer, LastSeqSql, cancellationToken))!;
        _dataVersion = (long)(await ScalarAsync(_writer, "PRAGMA data_version;", cancellationToken))!;
    }

    private void StartPolling()
    {
        var interval = _options.ExternalChangesPollInterval;
        if (interval <= TimeSpan.Zero)
        {
            return;
        }

        _poll = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(interval);
            try
            {
                while (await timer.WaitForNextTickAsync(_pollStop.Token))
                {
                    try
                    {
                        await RefreshAsync(_pollStop.Token);
                    }
                    catch (Exception e) when (e is SqliteException or IOException or InvalidOperationException)
                    {
                        ChangeLog.RefreshFailed(_logger, _options.DatabasePath, e);
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // stopping
            }
            catch (ObjectDisposedException)
            {
                // disposed while waiting
            }

        });
    }

    private async Task StopPollingAsync()
    {
        await _pollStop.CancelAsync();
        if (_poll is { } poll)
        {
            await poll.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _pollStop.Dispose();
    }

    /// <summary>Logs the chunks a write removed and added, inside its transaction; returns the last entry's number.</summary>
    private async Task<long> LogChangesAsync(SqliteTransaction tx, IEnumerable<long> chunkRowIds, CancellationToken cancellationToken)
    {
        await using var command = _writer.CreateCommand();
        command.Transaction = tx;
        command.CommandText = "INSERT INTO changes (chunk_rowid) SELECT value FROM json_each($ids); " + LastSeqSql;
        command.Parameters.AddWithValue("$ids", JsonSerializer.Serialize(chunkRowIds.ToList(), EmbeddedJsonContext.Default.ListInt64));
        var last = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        if (++_writesSincePrune >= 1000)
        {
            _writesSincePrune = 0;
            command.CommandText = "DELETE FROM changes WHERE seq <= $keepAfter;";
            command.Parameters.Clear();
            command.Parameters.AddWithValue("$keepAfter", last - ChangeLogKeep);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        return last;
    }

    /// <summary>
    /// Applies the log entries past <see cref="_appliedSeq"/> inside <paramref name="tx"/> (a read snapshot, or the
    /// write transaction about to change the database). Runs under the write lock.
    /// </summary>
    private async Task CatchUpAsync(SqliteTransaction tx, CancellationToken cancellationToken)
    {
        var touched = new HashSet<long>();
        long first = 0, last = _appliedSeq;
        await using (var command = _writer.CreateCommand())
        {
            command.Transaction = tx;
            command.CommandText = "SELECT seq, chunk_rowid FROM changes WHERE seq > $applied ORDER BY seq;";
            command.Parameters.AddWithValue("$applied", _appliedSeq);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                first = first == 0 ? reader.GetInt64(0) : first;
                last = reader.GetInt64(0);
                touched.Add(reader.GetInt64(1));
            }
        }

        if (touched.Count == 0)
        {
            return;
        }

        var whole = first > _appliedSeq + 1;
        if (whole)
        {
            // Entries this store never saw were pruned: compare everything.
            touched.UnionWith(_vectors.ChunkRowIds());
            await using var command = _writer.CreateCommand();
            command.Transaction = tx;
            command.CommandText = "SELECT rowid FROM chunks;";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                touched.Add(reader.GetInt64(0));
            }
        }

        var vectors = new List<VectorSet.Entry>();
        var text = new List<Bm25Index.Prepared>();
        var titles = new Dictionary<long, Bm25Index.AnalyzedField>();
        await using (var command = _writer.CreateCommand())
        {
            command.Transaction = tx;
            command.CommandText = $"{LoadChunksSql} WHERE c.rowid IN (SELECT value FROM json_each($ids));";
            command.Parameters.AddWithValue("$ids", JsonSerializer.Serialize(touched.ToList(), EmbeddedJsonContext.Default.ListInt64));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var (vector, chunkText, heading, title) = ReadChunkRow(reader);
                if (!titles.TryGetValue(vector.DocumentRowId, out var analysedTitle))
                {
                    titles[vector.DocumentRowId] = analysedTitle = _fullText.Analyze(title);
                }

                vectors.Add(vector);
                text.Add(_fullText.Prepare(vector.ChunkRowId, vector.DocumentRowId, vector.ChunkId, vector.DocumentId, chunkText, heading, analysedTitle));
            }
        }

        _vectors.Apply(touched, vectors);
        _fullText.Apply(touched, text);
        _allowedDocuments.Invalidate();
        _appliedSeq = last;
        ChangeLog.Applied(_logger, _options.DatabasePath, touched.Count - vectors.Count, vectors.Count, whole);
    }

    private static partial class ChangeLog
    {
        [LoggerMessage(EventId = 5102, Level = LogLevel.Information, Message = "Knowledge store {Path}: applied changes from another process ({Removed} chunks gone, {Loaded} loaded; whole reload: {Whole})")]
        public static partial void Applied(ILogger logger, string path, int removed, int loaded, bool whole);

        [LoggerMessage(EventId = 5103, Level = LogLevel.Warning, Message = "Knowledge store {Path}: could not apply changes from another process; will try again")]
        public static partial void RefreshFailed(ILogger logger, string path, Exception exception);
    }
}
