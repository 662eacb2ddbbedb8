using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using ContextHub.Knowledge.Embedded.FullText;
using ContextHub.Knowledge.Filters;
using ContextHub.Knowledge.Storage;
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
public sealed partial class EmbeddedKnowledgeStore : IKnowledgeStore, IVectorIndex, IFullTextIndex, IMetadataIndex, IToolCallLog
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
    private volatile EmbeddingModelInfo? _model;
    private int _disposed;

    private EmbeddedKnowledgeStore(EmbeddedStoreOptions options, string connectionString, SqliteConnection writer, ILogger logger)
    {
        _options = options;
        _connectionString = connectionString;
        _writer = writer;
        _logger = logger;
        _vectors = new VectorSet(options.ParallelScanThreshold);
        _fullText = new Bm25Index(options.TextWeight, options.HeadingWeight, options.TitleWeight);
    }

    public IVectorIndex Vectors => this;

    public IFullTextIndex FullText => this;

    public IMetadataIndex Metadata => this;

    public EmbeddingModelInfo? EmbeddingModel => _model;

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

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var model = await ScalarAsync(_writer, "SELECT value FROM store_info WHERE key = 'embedding_model'", cancellationToken) as string;
        var dims = await ScalarAsync(_writer, "SELECT value FROM store_info WHERE key = 'embedding_dimensions'", cancellationToken) as string;
        if (model is not null && dims is not null)
        {
            _model = new EmbeddingModelInfo(model, int.Parse(dims, CultureInfo.InvariantCulture));
        }

        await using var command = _writer.CreateCommand();
        command.CommandText = LoadChunksSql;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        const int BatchSize = 4096;
        var rows = new List<(VectorSet.Entry Vector, string Text, string? Heading, string Title)>(BatchSize);
        var titles = new Dictionary<long, Bm25Index.AnalyzedField>();
        var prepared = new List<Bm25Index.Prepared>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(ReadChunkRow(reader));
            if (rows.Count == BatchSize)
            {
                LoadBatch(rows, titles, prepared);
            }
        }

        LoadBatch(rows, titles, prepared);
        _fullText.Load(prepared);
        var loaded = _vectors.Count;
        Log.Opened(_logger, _options.DatabasePath, loaded, _model);
    }

    /// <summary>What the in-memory indices need of each chunk; <see cref="ReadChunkRow"/> reads one row of it.</summary>
    private const string LoadChunksSql = "SELECT c.rowid, c.document_rowid, c.id, d.id, c.embedding, c.text, c.heading, d.title FROM chunks c JOIN documents d ON d.rowid = c.document_rowid";

    private static (VectorSet.Entry Vector, string Text, string? Heading, string Title) ReadChunkRow(SqliteDataReader reader) =>
        (new VectorSet.Entry(reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2), reader.GetString(3), ReadVector(reader, 4)),
         reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6), reader.GetString(7));

    /// <summary>Adds a batch of loaded chunks to the vector index and analyses their text for the full-text index, on every core.</summary>
    private void LoadBatch(
        List<(VectorSet.Entry Vector, string Text, string? Heading, string Title)> rows,
        Dictionary<long, Bm25Index.AnalyzedField> titles,
        List<Bm25Index.Prepared> prepared)
    {
        _vectors.Apply([], rows.ConvertAll(r => r.Vector));
        foreach (var row in rows)
        {
            if (!titles.ContainsKey(row.Vector.DocumentRowId))
            {
                titles[row.Vector.DocumentRowId] = _fullText.Analyze(row.Title);
            }
        }

        var batch = new Bm25Index.Prepared[rows.Count];
        Parallel.For(0, rows.Count, i =>
        {
            var (vector, text, heading, title) = rows[i];
            batch[i] = _fullText.Prepare(vector.ChunkRowId, vector.DocumentRowId, vector.ChunkId, vector.DocumentId, text, heading, titles[vector.DocumentRowId]);
        });
        prepared.AddRange(batch);
        rows.Clear();
        if (titles.Count > 65_536)
        {
            titles.Clear(); // chunks come in row order, so a document's chunks are mostly together
        }
    }

    // ------------------------------------------------------------------ IKnowledgeStore

    public async Task BindEmbeddingModelAsync(EmbeddingModelInfo model, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(model.Dimensions, 1);
        if (_model is { } bound)
        {
            if (bound != model)
            {
                throw new EmbeddingModelMismatchException(bound, model, _options.DatabasePath);
            }

            return;
        }

        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            ThrowIfDisposed();
            if (_model is { } again)
            {
                if (again != model)
                {
                    throw new EmbeddingModelMismatchException(again, model, _options.DatabasePath);
                }

                return;
            }

            await using var tx = _writer.BeginTransaction(deferred: false);
            await using (var command = _writer.CreateCommand())
            {
                command.Transaction = tx;
                command.CommandText = """
                    INSERT INTO store_info (key, value) VALUES ('embedding_model', $model), ('embedding_dimensions', $dims)
                    ON CONFLICT (key) DO UPDATE SET value = excluded.value;
                    """;
                command.Parameters.AddWithValue("$model", model.ModelId);
                command.Parameters.AddWithValue("$dims", model.Dimensions.ToString(CultureInfo.InvariantCulture));
                await command.ExecuteNonQueryAsync(cancellationToken);
            }

            await tx.CommitAsync(cancellationToken);
            _model = model;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async Task UpsertDocumentAsync(Document document, IReadOnlyList<Chunk> chunks, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(chunks);
        var model = _model ?? throw new InvalidOperationException("Bind the store to an embedding model (BindEmbeddingModelAsync) before writing documents.");
        var seenIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var chunk in chunks)
        {
            if (chunk.DocumentId != document.Id)
            {
                throw new ArgumentException($"Chunk {chunk.Id} belongs to document {chunk.DocumentId}, not {document.Id}.", nameof(chunks));
            }

            if (!seenIds.Add(chunk.Id))
            {
                throw new ArgumentException($"Chunk id {chunk.Id} appears twice.", nameof(chunks));
            }

            if (chunk.Embedding.Length != model.Dimensions)
            {
                throw new EmbeddingModelMismatchException(model, new EmbeddingModelInfo("(embedding of chunk " + chunk.Id + ")", chunk.Embedding.Length), _options.DatabasePath);
            }
        }

        // Analysed before the write lock: the text's terms do not depend on the row ids given below.
        var title = _fullText.Analyze(document.Title);
        var analysed = chunks.Select(c => _fullText.Prepare(0, 0, c.Id, document.Id, c.Text, c.Heading, title)).ToList();

        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            ThrowIfDisposed();
            List<long> removed;
            var added = new List<VectorSet.Entry>(chunks.Count);
            var addedText = new List<Bm25Index.Prepared>(chunks.Count);
            long logged;
            await using (var tx = _writer.BeginTransaction(deferred: false))
            {
                await CatchUpAsync(tx, cancellationToken);
                var documentRowId = await FindDocumentRowIdAsync(tx, document.Id, cancellationToken);
                removed = documentRowId is { } existing ? await RemoveChunksAsync(tx, existing, cancellationToken) : [];
                documentRowId = await WriteDocumentAsync(tx, documentRowId, document, chunks.Count, cancellationToken);

                await using var insertChunk = _writer.CreateCommand();
                insertChunk.Transaction = tx;
                insertChunk.CommandText = """
                    INSERT INTO chunks (id, document_rowid, ordinal, heading, text, embedding)
                    VALUES ($id, $doc, $ordinal, $heading, $text, $embedding) RETURNING rowid;
                    """;
                var pId = insertChunk.Parameters.Add("$id", SqliteType.Text);
                insertChunk.Parameters.AddWithValue("$doc", documentRowId.Value);
                var pOrdinal = insertChunk.Parameters.Add("$ordinal", SqliteType.Integer);
                var pHeading = insertChunk.Parameters.Add("$heading", SqliteType.Text);
                var pText = insertChunk.Parameters.Add("$text", SqliteType.Text);
                var pEmbedding = insertChunk.Parameters.Add("$embedding", SqliteType.Blob);

                await using var insertFts = _writer.CreateCommand();
                insertFts.Transaction = tx;
                insertFts.CommandText = "INSERT INTO chunks_fts (rowid, text, heading, title) VALUES ($rowid, $text, $heading, $title);";
                var fRowId = insertFts.Parameters.Add("$rowid", SqliteType.Integer);
                var fText = insertFts.Parameters.Add("$text", SqliteType.Text);
                var fHeading = insertFts.Parameters.Add("$heading", SqliteType.Text);
                insertFts.Parameters.AddWithValue("$title", document.Title);

                for (var i = 0; i < chunks.Count; i++)
                {
                    var chunk = chunks[i];
                    var vector = VectorMath.Normalized(chunk.Embedding);
                    pId.Value = chunk.Id;
                    pOrdinal.Value = chunk.Ordinal;
                    pHeading.Value = (object?)chunk.Heading ?? DBNull.Value;
                    pText.Value = chunk.Text;
                    pEmbedding.Value = MemoryMarshal.AsBytes(vector.Span).ToArray();
                    var rowId = (long)(await insertChunk.ExecuteScalarAsync(cancellationToken))!;

                    fRowId.Value = rowId;
                    fText.Value = chunk.Text;
                    fHeading.Value = (object?)chunk.Heading ?? DBNull.Value;
                    await insertFts.ExecuteNonQueryAsync(cancellationToken);
                    added.Add(new VectorSet.Entry(rowId, documentRowId.Value, chunk.Id, document.Id, vector));
                    addedText.Add(analysed[i] with { ChunkRowId = rowId, DocumentRowId = documentRowId.Value });
                }

                logged = await LogChangesAsync(tx, removed.Concat(added.Select(a => a.ChunkRowId)), cancellationToken);
                await tx.CommitAsync(CancellationToken.None);
            }

            // Committed: now the in-memory indices follow, still under the write lock so they change in commit order.
            _vectors.Apply(removed, added);
            _fullText.Apply(removed, addedText);
            _allowedDocuments.Invalidate();
            _appliedSeq = logged;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async Task<bool> DeleteDocumentAsync(string documentId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(documentId);
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            ThrowIfDisposed();
            List<long> removed;
            long logged;
            await using (var tx = _writer.BeginTransaction(deferred: false))
            {
                await CatchUpAsync(tx, cancellationToken);
                if (await FindDocumentRowIdAsync(tx, documentId, cancellationToken) is not { } rowId)
                {
                    await tx.CommitAsync(CancellationToken.None); // keeps what the catch-up applied consistent with the log position
                    return false;
                }

                removed = await RemoveChunksAsync(tx, rowId, cancellationToken);
                await using var command = _writer.CreateCommand();
                command.Transaction = tx;
                command.CommandText = "DELETE FROM documents WHERE rowid = $rowid;";
                command.Parameters.AddWithValue("$rowid", rowId);
                await command.ExecuteNonQueryAsync(cancellationToken);
                logged = await LogChangesAsync(tx, removed, cancellationToken);
                await tx.CommitAsync(CancellationToken.None);
            }

            _vectors.Apply(removed, []);
            _fullText.Apply(removed, []);
            _allowedDocuments.Invalidate();
            _appliedSeq = logged;
            return true;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task<long?> FindDocumentRowIdAsync(SqliteTransaction tx, string documentId, CancellationToken cancellationToken)
    {
        await using var command = _writer.CreateCommand();
        command.Transaction = tx;
        command.CommandText = "SELECT rowid FROM documents WHERE id = $id;";
        command.Parameters.AddWithValue("$id", documentId);
        return await command.ExecuteScalarAsync(cancellationToken) is long rowId ? rowId : null;
    }

    private async Task<List<long>> RemoveChunksAsync(SqliteTransaction tx, long documentRowId, CancellationToken cancellationToken)
    {
        var removed = new List<long>();
        await using (var select = _writer.CreateCommand())
        {
            select.Transaction = tx;
            select.CommandText = "SELECT rowid FROM chunks WHERE document_rowid = $doc;";
            select.Parameters.AddWithValue("$doc", documentRowId);
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                removed.Add(reader.GetInt64(0));
            }
        }

        await using var delete = _writer.CreateCommand();
        delete.Transaction = tx;
        delete.CommandText = """
            DELETE FROM chunks_fts WHERE rowid IN (SELECT rowid FROM chunks WHERE document_rowid = $doc);
            DELETE FROM chunks WHERE document_rowid = $doc;
            """;
        delete.Parameters.AddWithValue("$doc", documentRowId);
        await delete.ExecuteNonQueryAsync(cancellationToken);
        return removed;
    }

    private async Task<long> WriteDocumentAsync(SqliteTransaction tx, long? rowId, Document document, int chunkCount, CancellationToken cancellationToken)
    {
        await using var command = _writer.CreateCommand();
        command.Transaction = tx;
        command.CommandText = rowId is null
            ? """
              INSERT INTO documents (id, source, title, mime_type, tags, metadata, created_at, updated_at, content_hash, chunk_count)
              VALUES ($id, $source, $title, $mime, $tags, $metadata, $created, $updated, $hash, $count) RETURNING rowid;
              """
            : """
              UPDATE documents SET source = $source, title = $title, mime_type = $mime, tags = $tags, metadata = $metadata,
                  created_at = $created, updated_at = $updated, content_hash = $hash, chunk_count = $count
              WHERE rowid = $rowid RETURNING rowid;
              """;
        command.Parameters.AddWithValue("$id", document.Id);
        command.Parameters.AddWithValue("$source", document.Source);
        command.Parameters.AddWithValue("$title", document.Title);
        command.Parameters.AddWithValue("$mime", document.MimeType);
        command.Parameters.AddWithValue("$tags", JsonSerializer.Serialize(document.Tags.ToList(), EmbeddedJsonContext.Default.ListString));
        command.Parameters.AddWithValue("$metadata", JsonSerializer.Serialize(new Dictionary<string, string>(document.Metadata), EmbeddedJsonContext.Default.DictionaryStringString));
        command.Parameters.AddWithValue("$created", document.CreatedAt.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$updated", document.UpdatedAt.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$hash", document.ContentHash);
        command.Parameters.AddWithValue("$count", chunkCount);
        if (rowId is { } r)
        {
            command.Parameters.AddWithValue("$rowid", r);
        }

        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    // ------------------------------------------------------------------ IVectorIndex

    async Task<IReadOnlyList<VectorHit>> IVectorIndex.SearchAsync(ReadOnlyMemory<float> query, int k, MetadataFilter? filter, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ThrowIfDisposed();
        if (_model is { } model && query.Length != model.Dimensions)
        {
            throw new EmbeddingModelMismatchException(model, new EmbeddingModelInfo("(query embedding)", query.Length), _options.DatabasePath);
        }

        var allowed = await AllowedDocumentsAsync(filter, cancellationToken);
        if (allowed is { Count: 0 })
        {
            return [];
        }

        var normalized = VectorMath.Normalized(query);
        return _vectors.Search(normalized.Span, k, allowed).Select(h => new VectorHit(h.ChunkId, h.DocumentId, h.Score)).ToList();
    }

    // ------------------------------------------------------------------ IFullTextIndex

    async Task<IReadOnlyList<FullTextHit>> IFullTextIndex.SearchAsync(string query, int k, MetadataFilter? filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ThrowIfDisposed();
        var words = TermAnalyzer.QueryWords(query);
        var termIds = _fullText.Lookup(TermAnalyzer.QueryTerms(words));
        if (termIds.Count == 0)
        {
            return [];
        }

        var allowed = await AllowedDocumentsAsync(filter, cancellationToken);
        if (allowed is { Count: 0 })
        {
            return [];
        }

        // Step 1: rank in memory (BM25 over the inverted index).
        var ranked = _fullText.Search(termIds, k, allowed);
        if (ranked.Count == 0)
        {
            return [];
        }

        // Step 2: FTS5 snippets of the best winners only (each costs a MATCH of its own); the rest get none, and the
        // knowledge service cuts a snippet from the chunk text for any of those it returns.
        var snippetLimit = Math.Min(ranked.Count, Math.Max(0, _options.SnippetLimit));
        var hits = new List<FullTextHit>(ranked.Count);
        if (snippetLimit > 0)
        {
            var tokens = Math.Clamp(_options.SnippetTokens, 4, 64);
            await using var connection = await OpenReadAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT snippet(chunks_fts, 0, $open, $close, $ellipsis, {tokens}) FROM chunks_fts WHERE chunks_fts MATCH $match AND rowid = $rowid;";
            command.Parameters.AddWithValue("$match", MatchExpression(words));
            command.Parameters.AddWithValue("$open", FullTextMarkers.Open);
            command.Parameters.AddWithValue("$close", FullTextMarkers.Close);
            command.Parameters.AddWithValue("$ellipsis", FullTextMarkers.Ellipsis.ToString());
            var rowIdParameter = command.Parameters.Add("$rowid", SqliteType.Integer);
            for (var i = 0; i < snippetLimit; i++)
            {
                var (rowId, chunkId, documentId, score) = ranked[i];
                rowIdParameter.Value = rowId;
                var snippet = await command.ExecuteScalarAsync(cancellationToken) as string ?? "";
                hits.Add(new FullTextHit(chunkId, documentId, score, snippet));
            }
        }

        for (var i = snippetLimit; i < ranked.Count; i++)
        {
            var (_, chunkId, documentId, score) = ranked[i];
            hits.Add(new FullTextHit(chunkId, documentId, score, ""));
        }

        return hits;
    }

    /// <summary>An FTS5 MATCH expression for the words: each one quoted (no FTS5 syntax gets through), joined with OR.</summary>
    private static string MatchExpression(IEnumerable<string> words) => string.Join(" OR ", words.Select(w => "\"" + w + "\""));

    /// <summary>The row ids of the documents a filter lets through; null without a filter.</summary>
    private async Task<HashSet<long>?> AllowedDocumentsAsync(MetadataFilter? filter, CancellationToken cancellationToken)
    {
        if (filter is null)
        {
            return null;
        }

        if (_allowedDocuments.TryGet(filter, out var cached))
        {
            return cached;
        }

        var version = _allowedDocuments.Version;
        var allowed = new HashSet<long>();
        await using (var connection = await OpenReadAsync(cancellationToken))
        await using (var command = connection.CreateCommand())
        {
            var where = SqlFilterTranslator.Translate(filter, command);
            command.CommandText = $"SELECT d.rowid FROM documents d WHERE {where};";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                allowed.Add(reader.GetInt64(0));
            }
        }

        _allowedDocuments.Add(filter, version, allowed);
        return allowed;
    }

    // ------------------------------------------------------------------ IMetadataIndex

    private const string DocumentColumns = "d.id, d.source, d.title, d.mime_type, d.tags, d.metadata, d.created_at, d.updated_at, d.content_hash, d.chunk_count";

    public async Task<Document?> GetDocumentAsync(string documentId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(documentId);
        var documents = await QueryDocumentsAsync("d.id = $id", c => c.Parameters.AddWithValue("$id", documentId), "", cancellationToken);
        return documents.Count == 0 ? null : documents[0];
    }

    public Task<IReadOnlyList<Document>> FindByContentHashAsync(string contentHash, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(contentHash);
        return QueryDocumentsAsync("d.content_hash = $hash", c => c.Parameters.AddWithValue("$hash", contentHash), "ORDER BY d.id", cancellationToken);
    }

    public async Task<IReadOnlyList<Document>> FindDocumentsAsync(MetadataFilter? filter = null, int limit = 100, int offset = 0, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        string where = "";
        return await QueryDocumentsAsync(
            null,
            c =>
            {
                where = SqlFilterTranslator.Translate(filter, c);
                c.Parameters.AddWithValue("$limit", limit);
                c.Parameters.AddWithValue("$offset", offset);
            },
            "ORDER BY d.id LIMIT $limit OFFSET $offset",
            cancellationToken,
            () => where);
    }

    public async Task<long> CountDocumentsAsync(MetadataFilter? filter = null, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        await using var connection = await OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        var where = SqlFilterTranslator.Translate(filter, command);
        command.CommandText = $"SELECT COUNT(*) FROM documents d WHERE {where};";
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private async Task<IReadOnlyList<Document>> QueryDocumentsAsync(string? where, Action<SqliteCommand> bind, string tail, CancellationToken cancellationToken, Func<string>? lateWhere = null)
    {
        ThrowIfDisposed();
        await using var connection = await OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        bind(command);
        command.CommandText = $"SELECT {DocumentColumns} FROM documents d WHERE {where ?? lateWhere!()} {tail};";
        var documents = new List<Document>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            documents.Add(ReadDocument(reader, 0));
        }

        return documents;
    }

    public Task<IReadOnlyList<Chunk>> GetChunksAsync(string documentId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(documentId);
        return QueryChunksAsync("d.id = $id ORDER BY c.ordinal", c => c.Parameters.AddWithValue("$id", documentId), cancellationToken);
    }

    public Task<IReadOnlyList<Chunk>> GetChunksByIdAsync(IReadOnlyCollection<string> chunkIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chunkIds);
        if (chunkIds.Count == 0)
        {
            return Task.FromResult<IReadOnlyList<Chunk>>([]);
        }

        var json = JsonSerializer.Serialize(chunkIds.ToArray(), EmbeddedJsonContext.Default.StringArray);
        return QueryChunksAsync("c.id IN (SELECT value FROM json_each($ids))", c => c.Parameters.AddWithValue("$ids", json), cancellationToken);
    }

    private async Task<IReadOnlyList<Chunk>> QueryChunksAsync(string where, Action<SqliteCommand> bind, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        await using var connection = await OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        bind(command);
        command.CommandText = $"""
            SELECT c.id, c.ordinal, c.heading, c.text, c.embedding, {DocumentColumns}
            FROM chunks c JOIN documents d ON d.rowid = c.document_rowid
            WHERE {where};
            """;
        var chunks = new List<Chunk>();
        var documents = new Dictionary<string, Document>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var documentId = reader.GetString(5);
            if (!documents.TryGetValue(documentId, out var document))
            {
                document = ReadDocument(reader, 5);
                documents[documentId] = document;
            }

            chunks.Add(new Chunk
            {
                Id = reader.GetString(0),
                DocumentId = documentId,
                Ordinal = reader.GetInt32(1),
                Heading = reader.IsDBNull(2) ? null : reader.GetString(2),
                Text = reader.GetString(3),
                Embedding = ReadVector(reader, 4),
                Document = document,
            });
        }

        return chunks;
    }

    public async Task<IReadOnlyList<SourceSummary>> ListSourcesAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        await using var connection = await OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT source, COUNT(*), MAX(updated_at) FROM documents GROUP BY source ORDER BY source;";
        var sources = new List<SourceSummary>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            sources.Add(new SourceSummary(reader.GetString(0), reader.GetInt32(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2))));
        }

        return sources;
    }

    public async Task<KnowledgeStoreStats> GetStatsAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        await using var connection = await OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT (SELECT COUNT(*) FROM documents), (SELECT COUNT(*) FROM chunks), (SELECT coalesce(SUM(count), 0) FROM tool_call_blocks);";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new KnowledgeStoreStats(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), _model);
    }

    /// <summary>Runs SQLite's integrity check on the database and the FTS index; returns the problems found (none when healthy).</summary>
    public async Task<IReadOnlyList<string>> CheckIntegrityAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        var problems = new List<string>();
        await using var connection = await OpenReadAsync(cancellationToken);
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "PRAGMA integrity_check;";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var line = reader.GetString(0);
                if (line != "ok")
                {
                    problems.Add(line);
                }
            }
        }

        await using (var command = connection.CreateCommand())
        {
            command.CommandText = """
                SELECT 'document ' || d.id || ' says ' || d.chunk_count || ' chunks but has ' || COUNT(c.rowid)
                FROM documents d LEFT JOIN chunks c ON c.document_rowid = d.rowid
                GROUP BY d.rowid HAVING COUNT(c.rowid) <> d.chunk_count
                UNION ALL
                SELECT 'chunk ' || c.id || ' is missing from the full-text index'
                FROM chunks c WHERE NOT EXISTS (SELECT 1 FROM chunks_fts f WHERE f.rowid = c.rowid)
                UNION ALL
                SELECT 'full-text row ' || f.rowid || ' has no chunk'
                FROM chunks_fts f WHERE NOT EXISTS (SELECT 1 FROM chunks c WHERE c.rowid = f.rowid);
                """;
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                problems.Add(reader.GetString(0));
            }
        }

        var chunkCount = (await GetStatsAsync(cancellationToken)).Chunks;
        if (chunkCount != _vectors.Count)
        {
            problems.Add($"the vector index holds {_vectors.Count} vectors for {chunkCount} chunks");
        }

        if (chunkCount != _fullText.Count)
        {
            problems.Add($"the full-text index holds {_fullText.Count} chunks for {chunkCount} chunks");
        }

        return problems;
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
