using ContextHub.Knowledge.Filters;
using ContextHub.Knowledge.Indexes;
using ContextHub.Knowledge.Search;
using Microsoft.Extensions.AI;

namespace ContextHub.Knowledge;

// Search: full text, vector or hybrid (reciprocal rank fusion) under metadata filters.
public sealed partial class KnowledgeService
{
    public async Task<IReadOnlyList<SearchHit>> SearchAsync(SearchRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        using var activity = Telemetry.KnowledgeTelemetry.StartSearch(request.Mode);
        var hits = await SearchCoreAsync(request, cancellationToken);
        Telemetry.KnowledgeTelemetry.SearchFinished(request.Mode, started, hits.Count, activity);
        return hits;
    }

    private async Task<IReadOnlyList<SearchHit>> SearchCoreAsync(SearchRequest request, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(request.Limit, 1);
        if (request.Filter is not null)
        {
            MetadataFilterValidator.Validate(request.Filter);
        }

        if (string.IsNullOrWhiteSpace(request.Query))
        {
            return [];
        }

        // With one hit per document, fetch more chunks so that collapsing still leaves enough documents; when the chunks
        // of a few documents crowd the candidates, ask again for more (a document's chunks tend to sit close together).
        var queryVector = request.Mode == SearchMode.FullText ? (ReadOnlyMemory<float>?)null : await EmbedQueryAsync(request.Query, cancellationToken);
        var perList = request.OneHitPerDocument ? Math.Max(request.Limit * 3, request.Limit + 20) : request.Limit;
        IReadOnlyList<FullTextHit> fullText;
        IReadOnlyList<VectorHit> vector;
        Dictionary<string, (int Rank, FullTextHit Hit)> ftRank;
        Dictionary<string, (int Rank, VectorHit Hit)> vecRank;
        List<(string ChunkId, string DocumentId, double Score)> ranked;
        while (true)
        {
            var k = request.Mode == SearchMode.Hybrid ? Math.Max(perList, _options.HybridCandidates) : perList;
            var ft = request.Mode == SearchMode.Vector
                ? Task.FromResult<IReadOnlyList<FullTextHit>>([])
                : _store.FullText.SearchAsync(request.Query, k, request.Filter, cancellationToken);
            var vec = request.Mode == SearchMode.FullText
                ? Task.FromResult<IReadOnlyList<VectorHit>>([])
                : _store.Vectors.SearchAsync(queryVector!.Value, k, request.Filter, cancellationToken);
            await Task.WhenAll(ft, vec);
            fullText = await ft;
            vector = await vec;

            ftRank = new Dictionary<string, (int Rank, FullTextHit Hit)>();
            for (var i = 0; i < fullText.Count; i++)
            {
                ftRank.TryAdd(fullText[i].ChunkId, (i + 1, fullText[i]));
            }

            vecRank = new Dictionary<string, (int Rank, VectorHit Hit)>();
            for (var i = 0; i < vector.Count; i++)
            {
                vecRank.TryAdd(vector[i].ChunkId, (i + 1, vector[i]));
            }

            var ftRanks = ftRank;
            var vecRanks = vecRank;
            ranked = request.Mode switch
            {
                SearchMode.FullText => fullText.Select(h => (h.ChunkId, h.DocumentId, h.Score)).ToList(),
                SearchMode.Vector => vector.Select(h => (h.ChunkId, h.DocumentId, h.Score)).ToList(),
                _ => ReciprocalRankFusion.Fuse([fullText.Select(h => h.ChunkId).ToList(), vector.Select(h => h.ChunkId).ToList()], _options.RrfK)
                    .Select(f => (f.Key, ftRanks.TryGetValue(f.Key, out var a) ? a.Hit.DocumentId : vecRanks[f.Key].Hit.DocumentId, f.Score))
                    .ToList(),
            };

            var exhausted = fullText.Count < k && vector.Count < k;
            if (!request.OneHitPerDocument || exhausted || k >= MaxCandidates
                || ranked.Select(r => r.DocumentId).Distinct().Take(request.Limit).Count() >= request.Limit)
            {
                break;
            }

            perList = Math.Min(k * 4, MaxCandidates);
        }

        var picked = new List<(string ChunkId, string DocumentId, double Score)>(request.Limit);
        var documents = new HashSet<string>();
        foreach (var hit in ranked)
        {
            if (request.OneHitPerDocument && !documents.Add(hit.DocumentId))
            {
                continue;
            }

            picked.Add(hit);
            if (picked.Count == request.Limit)
            {
                break;
            }
        }

        var chunks = (await _store.Metadata.GetChunksByIdAsync(picked.Select(p => p.ChunkId).ToList(), cancellationToken))
            .ToDictionary(c => c.Id);
        var terms = SnippetBuilder.Terms(request.Query);
        var hits = new List<SearchHit>(picked.Count);
        foreach (var (chunkId, documentId, score) in picked)
        {
            if (!chunks.TryGetValue(chunkId, out var chunk))
            {
                continue; // deleted between the search and now
            }

            hits.Add(new SearchHit
            {
                DocumentId = documentId,
                ChunkId = chunkId,
                Score = score,
                Snippet = ftRank.TryGetValue(chunkId, out var f) && !string.IsNullOrEmpty(f.Hit.Snippet) ? f.Hit.Snippet : SnippetBuilder.Build(chunk.Text, terms),
                ResourceUri = KnowledgeUris.Document(documentId),
                Title = chunk.Document?.Title ?? "",
                Source = chunk.Document?.Source ?? "",
                Heading = chunk.Heading,
                FullTextRank = ftRank.TryGetValue(chunkId, out var fr) ? fr.Rank : null,
                VectorRank = vecRank.TryGetValue(chunkId, out var vr) ? vr.Rank : null,
            });
        }

        return hits;
    }

    /// <summary>Most candidates one list may fetch when collapsing to one hit per document needs more.</summary>
    private const int MaxCandidates = 2000;

    private async Task<ReadOnlyMemory<float>> EmbedQueryAsync(string query, CancellationToken cancellationToken)
    {
        var model = await InitializeAsync(cancellationToken);
        var embeddings = await _embedder.GenerateAsync([query], cancellationToken: cancellationToken);
        return CheckedVector(embeddings[0], model);
    }

    private static ReadOnlyMemory<float> CheckedVector(Embedding<float> embedding, EmbeddingModelInfo model)
    {
        var vector = embedding.Vector;
        if (vector.Length != model.Dimensions)
        {
            throw new EmbeddingModelMismatchException(model, new EmbeddingModelInfo(embedding.ModelId ?? model.ModelId, vector.Length));
        }

        return VectorMath.Normalized(vector);
    }
}
