using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using ContextHub.Knowledge.Embedded.FullText;
using ContextHub.Knowledge.Indexes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ContextHub.Knowledge.Embedded;

/// <summary>
/// The default knowledge store: one SQLite database under the data folder. Documents, chunks, sources and tool calls
/// are tables (tags and metadata as JSON); vectors are BLOBs in the chunk rows, searched exactly over an in-memory copy;
/// full text is ranked with BM25 over an in-memory inverted index rebuilt from the chunk rows, and cut into snippets
/// by an FTS5 table. A document and its chunks are written in one transaction (WAL journal, synchronous FULL by
/// default), so after a crash each document is either complete or absent.
/// </summary>
public sealed partial class EmbeddedKnowledgeStore
{
    private const int SchemaVersion = 1;

    private readonly EmbeddedStoreOptions _options;
    private readonly string _connectionString;
    private readonly SqliteConnection _writer;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly VectorSet _vectors;
    private readonly AllowedDocumentsCache _allowedDocuments = new();
    private readonly Bm25Index _fullText;
    private readonly ILogger _logger;
    private readonly EmbeddingModelBinding _binding;
    private int _disposed;

    private EmbeddedKnowledgeStore(EmbeddedStoreOptions options, string connectionString, SqliteConnection writer, ILogger logger)
    {
        _options = options;
        _connectionString = connectionString;
        _writer = writer;
        _logger = logger;
        _binding = new EmbeddingModelBinding(options.DatabasePath);
        _vectors = new VectorSet(options.ParallelScanThreshold);
        _fullText = new Bm25Index(options.TextWeight, options.HeadingWeight, options.TitleWeight, options.Bm25K1, options.Bm25B);
    }

    public IVectorIndex Vectors => this;

    public IFullTextIndex FullText => this;

    public IMetadataIndex Metadata => this;

    public EmbeddingModelInfo? EmbeddingModel => _binding.Model;

    public string DatabasePath => _options.DatabasePath;

    /// <summary>How many vectors the in-memory index holds.</summary>
    public int VectorCount => _vectors.Count;

    /// <summary>How many chunks the in-memory full-text index holds.</summary>
    public int FullTextCount => _fullText.Count;

    /// <summary>Opens (creating when missing) the store in <see cref="EmbeddedStoreOptions.DataFolder"/>.</summary>
    public static Task<EmbeddedKnowledgeStore> OpenAsync(string dataFolder, CancellationToken cancellationToken = default) =>
        OpenAsync(new EmbeddedStoreOptions { DataFolder = dataFolder }, null, cancellationToken);

    public static async Task<EmbeddedKnowledgeStore> OpenAsync(EmbeddedStoreOptions options, ILogger<EmbeddedKnowledgeStore>? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        Directory.CreateDirectory(options.DataFolder);
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = options.DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();

        var writer = new SqliteConnection(connectionString);
        EmbeddedKnowledgeStore? store = null;
        try
        {
            await writer.OpenAsync(cancellationToken);
            SqliteFunctions.Register(writer);
            await ExecuteAsync(writer, $"""
                PRAGMA journal_mode = WAL;
                PRAGMA synchronous = {(options.SynchronousFull ? "FULL" : "NORMAL")};
                PRAGMA foreign_keys = ON;
                """, cancellationToken);
            store = new EmbeddedKnowledgeStore(options, connectionString, writer, (ILogger?)logger ?? NullLogger.Instance);
            await store.CreateSchemaAsync(cancellationToken);
            await store.ReadChangePositionAsync(cancellationToken);
            await store.LoadAsync(cancellationToken);
            store.StartPolling();
            return store;
        }
        catch
        {
            if (store is not null)
            {
                await store.DisposeAsync();
            }
            else
            {
                await writer.DisposeAsync();
            }

            throw;
        }
    }

    private async Task CreateSchemaAsync(CancellationToken cancellationToken)
    {
        await ExecuteAsync(_writer, """
            CREATE TABLE IF NOT EXISTS store_info (
                key TEXT PRIMARY KEY,
                value TEXT NOT NULL
            ) STRICT;
            CREATE TABLE IF NOT EXISTS documents (
                rowid INTEGER PRIMARY KEY,
                id TEXT NOT NULL UNIQUE,
                source TEXT NOT NULL,
                title TEXT NOT NULL,
                mime_type TEXT NOT NULL,
                tags TEXT NOT NULL,
                metadata TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                content_hash TEXT NOT NULL,
                chunk_count INTEGER NOT NULL
            ) STRICT;
            CREATE INDEX IF NOT EXISTS documents_source ON documents (source);
            CREATE INDEX IF NOT EXISTS documents_hash ON documents (content_hash);
            CREATE TABLE IF NOT EXISTS chunks (
                rowid INTEGER PRIMARY KEY,
                id TEXT NOT NULL UNIQUE,
                document_rowid INTEGER NOT NULL REFERENCES documents (rowid) ON DELETE CASCADE,
                ordinal INTEGER NOT NULL,
                heading TEXT,
                text TEXT NOT NULL,
                embedding BLOB NOT NULL
            ) STRICT;
            CREATE INDEX IF NOT EXISTS chunks_document ON chunks (document_rowid, ordinal);
            CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5 (text, heading, title, tokenize = 'porter unicode61 remove_diacritics 2');
            INSERT OR IGNORE INTO store_info (key, value) VALUES ('schema_version', '1');
            """, cancellationToken);
        await ExecuteAsync(_writer, ChangeLogSchema, cancellationToken);
        await CreateToolCallLogAsync(cancellationToken);

        var version = await ScalarAsync(_writer, "SELECT value FROM store_info WHERE key = 'schema_version'", cancellationToken);
        if (!string.Equals(version?.ToString(), SchemaVersion.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"The knowledge store at {_options.DatabasePath} has schema version {version}; this build reads version {SchemaVersion}.");
        }
    }

    public async Task<KnowledgeStoreStats> GetStatsAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        await using var connection = await OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT (SELECT COUNT(*) FROM documents), (SELECT COUNT(*) FROM chunks), (SELECT coalesce(SUM(count), 0) FROM tool_call_blocks);";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new KnowledgeStoreStats(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), _binding.Model);
    }

    // ------------------------------------------------------------------ helpers

    private async Task<SqliteConnection> OpenReadAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            SqliteFunctions.Register(connection);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private static Document ReadDocument(SqliteDataReader reader, int offset) => new()
    {
        Id = reader.GetString(offset),
        Source = reader.GetString(offset + 1),
        Title = reader.GetString(offset + 2),
        MimeType = reader.GetString(offset + 3),
        Tags = JsonSerializer.Deserialize(reader.GetString(offset + 4), EmbeddedJsonContext.Default.ListString) ?? [],
        Metadata = JsonSerializer.Deserialize(reader.GetString(offset + 5), EmbeddedJsonContext.Default.DictionaryStringString) ?? [],
        CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(offset + 6)),
        UpdatedAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(offset + 7)),
        ContentHash = reader.GetString(offset + 8),
        ChunkCount = reader.GetInt32(offset + 9),
    };

    private static float[] ReadVector(SqliteDataReader reader, int ordinal)
    {
        var bytes = (byte[])reader.GetValue(ordinal);
        return MemoryMarshal.Cast<byte, float>(bytes).ToArray();
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<object?> ScalarAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync(cancellationToken);
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await StopPollingAsync();
        await _writeLock.WaitAsync();
        try
        {
            await _writer.DisposeAsync();
            using var pool = new SqliteConnection(_connectionString);
            SqliteConnection.ClearPool(pool);
            _vectors.Dispose();
            _fullText.Dispose();
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5101, Level = LogLevel.Information, Message = "Opened knowledge store {Path}: {Vectors} vectors, embedding model {Model}")]
        public static partial void Opened(ILogger logger, string path, int vectors, EmbeddingModelInfo? model);
    }
}
