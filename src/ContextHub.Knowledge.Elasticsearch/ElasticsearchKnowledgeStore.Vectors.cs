using ContextHub.Knowledge.Filters;
using ContextHub.Knowledge.Indexes;
using Elastic.Clients.Elasticsearch;
using Elastic.Clients.Elasticsearch.Core.Search;
using Elastic.Clients.Elasticsearch.QueryDsl;
using F = ContextHub.Knowledge.Elasticsearch.ElasticsearchSchema.Fields;

namespace ContextHub.Knowledge.Elasticsearch;

// IVectorIndex: kNN over the chunks index's dense_vector field.
public sealed partial class ElasticsearchKnowledgeStore : IVectorIndex
{
    async Task<IReadOnlyList<VectorHit>> IVectorIndex.SearchAsync(ReadOnlyMemory<float> query, int k, MetadataFilter? filter, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ThrowIfDisposed();
        _binding.CheckQuery(query);

        var filterQuery = ElasticsearchFilterTranslator.Translate(filter);
        var vector = VectorMath.Normalized(query);
        if (_binding.Model is null || !vector.Span.ContainsAnyExcept(0f))
        {
            return [];
        }

        var response = await _client.SearchAsync<ChunkReference>(VectorSearchRequest(vector, k, filterQuery), cancellationToken);
        Ensure(response, "run a kNN search");
        // Elasticsearch scores cosine similarity as (1 + cosine) / 2.
        return [.. response.Hits.Where(h => h.Source is not null).Select(h => new VectorHit(h.Source!.ChunkId, h.Source.DocumentId, 2 * (h.Score ?? 0.5) - 1))];
    }

    internal SearchRequest VectorSearchRequest(ReadOnlyMemory<float> normalized, int k, Query? filter)
    {
        k = Math.Min(k, MaxWindow);
        return new SearchRequest(_schema.Chunks)
        {
            Size = k,
            Source = new SourceConfig(new SourceFilter { Includes = new[] { F.ChunkId, F.DocumentId } }),
            Knn =
            [
                new KnnSearch
                {
                    Field = F.Embedding,
                    QueryVector = normalized.ToArray(),
                    K = k,
                    NumCandidates = Math.Clamp(k * _options.NumCandidatesFactor, Math.Max(k, 100), MaxWindow),
                    Filter = filter is null ? null : [filter],
                },
            ],
        };
    }
}
