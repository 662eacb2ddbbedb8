using ContextHub.Knowledge.Embedded.FullText;
using ContextHub.Knowledge.Filters;
using ContextHub.Knowledge.Indexes;
using Microsoft.Data.Sqlite;

namespace ContextHub.Knowledge.Embedded;

// IFullTextIndex: BM25 over the in-memory inverted index, snippets from FTS5.
public sealed partial class EmbeddedKnowledgeStore : IFullTextIndex
{
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
}
