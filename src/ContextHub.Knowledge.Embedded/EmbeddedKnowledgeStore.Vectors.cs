using ContextHub.Knowledge.Filters;
using ContextHub.Knowledge.Indexes;

namespace ContextHub.Knowledge.Embedded;

// IVectorIndex: exact k-nearest-neighbour search over the in-memory vectors.
public sealed partial class EmbeddedKnowledgeStore : IVectorIndex
{
    async Task<IReadOnlyList<VectorHit>> IVectorIndex.SearchAsync(ReadOnlyMemory<float> query, int k, MetadataFilter? filter, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ThrowIfDisposed();
        _binding.CheckQuery(query);

        var allowed = await AllowedDocumentsAsync(filter, cancellationToken);
        if (allowed is { Count: 0 })
        {
            return [];
        }

        var normalized = VectorMath.Normalized(query);
        return _vectors.Search(normalized.Span, k, allowed).Select(h => new VectorHit(h.ChunkId, h.DocumentId, h.Score)).ToList();
    }
}
