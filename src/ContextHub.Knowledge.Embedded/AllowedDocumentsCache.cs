using ContextHub.Knowledge.Filters;

namespace ContextHub.Knowledge.Embedded;

/// <summary>
/// The documents recent filters let through, until the next write. A hybrid search asks both indices with the same
/// filter, and clients repeat filters (a tag, a source), while each evaluation is a query over every document.
/// Filters are records with value equality, so they key the cache themselves.
/// </summary>
internal sealed class AllowedDocumentsCache(int capacity = 64, int maxDocumentIds = 1_000_000)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<MetadataFilter, HashSet<long>> _sets = [];
    private long _version;
    private int _documentIds;

    /// <summary>Read before evaluating a filter; <see cref="Add"/> keeps the result only if no write came in between.</summary>
    public long Version
    {
        get
        {
            lock (_lock)
            {
                return _version;
            }
        }
    }

    /// <summary>A set handed out is shared: readers must not change it.</summary>
    public bool TryGet(MetadataFilter filter, out HashSet<long> allowed)
    {
        lock (_lock)
        {
            return _sets.TryGetValue(filter, out allowed!);
        }
    }

    public void Add(MetadataFilter filter, long version, HashSet<long> allowed)
    {
        lock (_lock)
        {
            if (version != _version || allowed.Count > maxDocumentIds)
            {
                return;
            }

            if (_sets.Count >= capacity || _documentIds + allowed.Count > maxDocumentIds)
            {
                _sets.Clear();
                _documentIds = 0;
            }

            if (_sets.TryAdd(filter, allowed))
            {
                _documentIds += allowed.Count;
            }
        }
    }

    /// <summary>After every committed change to documents (this store's or another process's).</summary>
    public void Invalidate()
    {
        lock (_lock)
        {
            _version++;
            _sets.Clear();
            _documentIds = 0;
        }
    }
}
