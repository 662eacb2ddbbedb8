
namespace ContextHub.Knowledge.Embedded;

// The integrity check of the database and its full-text index.
public sealed partial class EmbeddedKnowledgeStore
{
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
}
