using ContextHub.Knowledge.Filters;

namespace ContextHub.Knowledge.Indexes;

/// <summary>BM25 search over chunk text, with snippets.</summary>
public interface IFullTextIndex
{
    /// <summary>
    /// The <paramref name="k"/> best chunks for <paramref name="query"/> (plain words: any may match, more matches rank
    /// higher; no query syntax) among documents matching <paramref name="filter"/>, best first.
    /// </summary>
    Task<IReadOnlyList<FullTextHit>> SearchAsync(string query, int k, MetadataFilter? filter = null, CancellationToken cancellationToken = default);
}
