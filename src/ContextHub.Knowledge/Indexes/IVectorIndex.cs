using ContextHub.Knowledge.Filters;

namespace ContextHub.Knowledge.Indexes;

/// <summary>k-nearest-neighbour search over chunk embeddings.</summary>
public interface IVectorIndex
{
    /// <summary>The <paramref name="k"/> chunks nearest to <paramref name="query"/> among documents matching <paramref name="filter"/>, best first.</summary>
    Task<IReadOnlyList<VectorHit>> SearchAsync(ReadOnlyMemory<float> query, int k, MetadataFilter? filter = null, CancellationToken cancellationToken = default);
}
