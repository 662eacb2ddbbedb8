using System.Text;
using ContextHub.Knowledge.Filters;
using ContextHub.Knowledge.Indexes;
using Elastic.Clients.Elasticsearch;
using Elastic.Clients.Elasticsearch.Core.Search;
using Elastic.Clients.Elasticsearch.QueryDsl;
using F = ContextHub.Knowledge.Elasticsearch.ElasticsearchSchema.Fields;

namespace ContextHub.Knowledge.Elasticsearch;

// IFullTextIndex: BM25 over the chunks' text, with highlighted snippets.
public sealed partial class ElasticsearchKnowledgeStore : IFullTextIndex
{
    async Task<IReadOnlyList<FullTextHit>> IFullTextIndex.SearchAsync(string query, int k, MetadataFilter? filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ThrowIfDisposed();
        var filterQuery = ElasticsearchFilterTranslator.Translate(filter);
        if (string.IsNullOrWhiteSpace(query) || _binding.Model is null)
        {
            return [];
        }

        var response = await _client.SearchAsync<ChunkReference>(FullTextSearchRequest(query, k, filterQuery), cancellationToken);
        Ensure(response, "run a full-text search");
        var hits = new List<FullTextHit>(response.Hits.Count);
        foreach (var hit in response.Hits)
        {
            if (hit.Source is not { } source)
            {
                continue;
            }

            var fragment = hit.Highlight is { } h && h.TryGetValue(F.Text, out var fragments) ? fragments.FirstOrDefault() : null;
            hits.Add(new FullTextHit(source.ChunkId, source.DocumentId, hit.Score ?? 0, Snippet(source.Text ?? "", fragment)));
        }

        return hits;
    }

    internal SearchRequest FullTextSearchRequest(string query, int k, Query? filter) => new(_schema.Chunks)
    {
        Size = Math.Min(k, MaxWindow),
        Source = new SourceConfig(new SourceFilter { Includes = new[] { F.ChunkId, F.DocumentId, F.Text } }),
        // match analyzes the words with the field's analyzer and never parses query syntax; any word may match
        // (operator or) and BM25 ranks chunks matching more and rarer words higher.
        Query = new BoolQuery
        {
            Must = [new MatchQuery { Field = F.Text, Query = query, Operator = Operator.Or }],
            Filter = filter is null ? null : [filter],
        },
        Highlight = new Highlight
        {
            PreTags = [FullTextMarkers.Open],
            PostTags = [FullTextMarkers.Close],
            Encoder = HighlighterEncoder.Default,
            Fields =
            [
                new(F.Text, new HighlightField
                {
                    Type = HighlighterType.Unified,
                    FragmentSize = _options.SnippetLength,
                    NumberOfFragments = 1,
                    NoMatchSize = _options.SnippetLength,
                }),
            ],
        },
    };

    /// <summary>The highlighted fragment, with an ellipsis where it cuts the chunk's text.</summary>
    internal static string Snippet(string text, string? fragment)
    {
        if (string.IsNullOrEmpty(fragment))
        {
            return text.Length <= 160 ? text : text[..160].TrimEnd() + FullTextMarkers.Ellipsis;
        }

        var plain = fragment.Replace(FullTextMarkers.Open, "", StringComparison.Ordinal).Replace(FullTextMarkers.Close, "", StringComparison.Ordinal).Trim();
        var sb = new StringBuilder(fragment.Length + 2);
        if (!text.TrimStart().StartsWith(plain.Length > 0 ? plain[..Math.Min(plain.Length, 20)] : plain, StringComparison.Ordinal))
        {
            sb.Append(FullTextMarkers.Ellipsis);
        }

        sb.Append(fragment.Trim());
        if (!text.TrimEnd().EndsWith(plain.Length > 0 ? plain[Math.Max(0, plain.Length - 20)..] : plain, StringComparison.Ordinal))
        {
            sb.Append(FullTextMarkers.Ellipsis);
        }

        return sb.ToString();
    }
}
