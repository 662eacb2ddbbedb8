using System.Globalization;
using ContextHub.Knowledge.Embedded.FullText;
using Microsoft.Data.Sqlite;

namespace ContextHub.Knowledge.Embedded;

// Loading: the in-memory indices rebuilt from the chunk rows when the store opens.
public sealed partial class EmbeddedKnowledgeStore
{
    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var model = await ScalarAsync(_writer, "SELECT value FROM store_info WHERE key = 'embedding_model'", cancellationToken) as string;
        var dims = await ScalarAsync(_writer, "SELECT value FROM store_info WHERE key = 'embedding_dimensions'", cancellationToken) as string;
        if (model is not null && dims is not null)
        {
            _binding.Restore(new EmbeddingModelInfo(model, int.Parse(dims, CultureInfo.InvariantCulture)));
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
        Log.Opened(_logger, _options.DatabasePath, loaded, _binding.Model);
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
}
