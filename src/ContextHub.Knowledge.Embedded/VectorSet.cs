using System.Numerics.Tensors;

namespace ContextHub.Knowledge.Embedded;

/// <summary>
/// The in-memory copy of every chunk embedding. A search scans every chunk's 8-bit code (<see cref="QuantizedVectors"/>,
/// a quarter of the bytes the float vectors take: the scan is bound by memory bandwidth), keeps the
/// <see cref="CandidatesFor"/> best, and ranks those again by their exact cosine (float dot product through
/// TensorPrimitives; vectors are normalized). Reads run in parallel; a write takes the lock alone. The database stays the
/// truth: the set is rebuilt from it at open and updated after each commit.
/// </summary>
internal sealed class VectorSet : IDisposable
{
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly Dictionary<long, int> _slotByChunk = [];
    private readonly int _parallelThreshold;
    private float[] _data = [];
    private sbyte[] _codes = [];
    private float[] _scales = [];
    private long[] _chunkRowIds = [];
    private long[] _documentRowIds = [];
    private string[] _chunkIds = [];
    private string[] _documentIds = [];
    private int _count;

    public VectorSet(int parallelThreshold)
    {
        _parallelThreshold = parallelThreshold;
    }

    public int Dimensions { get; private set; }

    public int Count
    {
        get
        {
            _lock.EnterReadLock();
            try
            {
                return _count;
            }
            finally
            {
                _lock.ExitReadLock();
            }
        }
    }

    /// <summary>The row ids of every chunk held.</summary>
    public List<long> ChunkRowIds()
    {
        _lock.EnterReadLock();
        try
        {
            return [.. _chunkRowIds.AsSpan(0, _count)];
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    public readonly record struct Entry(long ChunkRowId, long DocumentRowId, string ChunkId, string DocumentId, ReadOnlyMemory<float> Vector);

    /// <summary>Removes <paramref name="removedChunkRowIds"/> and adds <paramref name="added"/>, as one step for readers.</summary>
    public void Apply(IReadOnlyCollection<long> removedChunkRowIds, IReadOnlyList<Entry> added)
    {
        _lock.EnterWriteLock();
        try
        {
            foreach (var rowId in removedChunkRowIds)
            {
                RemoveLocked(rowId);
            }

            foreach (var entry in added)
            {
                AddLocked(entry);
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    private void AddLocked(in Entry entry)
    {
        if (Dimensions == 0)
        {
            Dimensions = entry.Vector.Length;
        }
        else if (entry.Vector.Length != Dimensions)
        {
            throw new InvalidOperationException($"Vector of {entry.Vector.Length} dimensions added to an index of {Dimensions}.");
        }

        if (_slotByChunk.ContainsKey(entry.ChunkRowId))
        {
            RemoveLocked(entry.ChunkRowId);
        }

        if (_count == _chunkRowIds.Length)
        {
            var capacity = Math.Max(1024, _count * 2);
            Array.Resize(ref _data, capacity * Dimensions);
            Array.Resize(ref _codes, capacity * Dimensions);
            Array.Resize(ref _scales, capacity);
            Array.Resize(ref _chunkRowIds, capacity);
            Array.Resize(ref _documentRowIds, capacity);
            Array.Resize(ref _chunkIds, capacity);
            Array.Resize(ref _documentIds, capacity);
        }

        var slot = _count++;
        entry.Vector.Span.CopyTo(_data.AsSpan(slot * Dimensions, Dimensions));
        _scales[slot] = QuantizedVectors.Encode(entry.Vector.Span, _codes.AsSpan(slot * Dimensions, Dimensions));
        _chunkRowIds[slot] = entry.ChunkRowId;
        _documentRowIds[slot] = entry.DocumentRowId;
        _chunkIds[slot] = entry.ChunkId;
        _documentIds[slot] = entry.DocumentId;
        _slotByChunk[entry.ChunkRowId] = slot;
    }

    private void RemoveLocked(long chunkRowId)
    {
        if (!_slotByChunk.Remove(chunkRowId, out var slot))
        {
            return;
        }

        var last = --_count;
        if (slot != last)
        {
            _data.AsSpan(last * Dimensions, Dimensions).CopyTo(_data.AsSpan(slot * Dimensions, Dimensions));
            _codes.AsSpan(last * Dimensions, Dimensions).CopyTo(_codes.AsSpan(slot * Dimensions, Dimensions));
            _scales[slot] = _scales[last];
            _chunkRowIds[slot] = _chunkRowIds[last];
            _documentRowIds[slot] = _documentRowIds[last];
            _chunkIds[slot] = _chunkIds[last];
            _documentIds[slot] = _documentIds[last];
            _slotByChunk[_chunkRowIds[slot]] = slot;
        }

        _chunkIds[last] = null!;
        _documentIds[last] = null!;
    }

    /// <summary>The k best (chunk id, document id, cosine) for a normalized query, best first.</summary>
    public List<(string ChunkId, string DocumentId, float Score)> Search(ReadOnlySpan<float> query, int k, HashSet<long>? allowedDocuments)
    {
        _lock.EnterReadLock();
        try
        {
            if (_count == 0 || k <= 0)
            {
                return [];
            }

            if (query.Length != Dimensions)
            {
                throw new ArgumentException($"The query has {query.Length} dimensions; the index holds {Dimensions}.", nameof(query));
            }

            var q = new sbyte[Dimensions];
            QuantizedVectors.Encode(query, q);
            var candidates = CandidatesFor(k);
            List<(int Slot, float Score)> approximate;
            if (_count >= _parallelThreshold && Environment.ProcessorCount > 1)
            {
                var parts = Math.Min(Environment.ProcessorCount, 4);
                var partial = new List<(int, float)>[parts];
                var per = (_count + parts - 1) / parts;
                Parallel.For(0, parts, p => partial[p] = Scan(q, p * per, Math.Min(_count, (p + 1) * per), candidates, allowedDocuments));
                approximate = [.. partial.SelectMany(x => x)];
            }
            else
            {
                approximate = Scan(q, 0, _count, candidates, allowedDocuments);
            }

            // Rank the candidates again by their exact cosine.
            var best = new List<(int Slot, float Score)>(approximate.Count);
            foreach (var (slot, _) in approximate)
            {
                best.Add((slot, TensorPrimitives.Dot(query, _data.AsSpan(slot * Dimensions, Dimensions))));
            }

            return [.. best.OrderByDescending(b => b.Score).ThenBy(b => b.Slot).Take(k).Select(b => (_chunkIds[b.Slot], _documentIds[b.Slot], b.Score))];
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>
    /// How many chunks the 8-bit scan hands to the exact ranking for k hits: enough that a quantization error (well under
    /// 1 % of a cosine) cannot push one of the exact k best out (recall against exact search is measured in the benchmark).
    /// </summary>
    internal static int CandidatesFor(int k) => Math.Max(4 * k, k + 32);

    private List<(int Slot, float Score)> Scan(sbyte[] query, int from, int to, int k, HashSet<long>? allowed)
    {
        var heap = new PriorityQueue<int, float>(k + 1);
        var dims = Dimensions;
        var codes = _codes;
        var scales = _scales;
        var q = query.AsSpan();
        for (var slot = from; slot < to; slot++)
        {
            if (allowed is not null && !allowed.Contains(_documentRowIds[slot]))
            {
                continue;
            }

            // The query's own scale is the same for every chunk, so it does not change the order.
            var score = QuantizedVectors.Dot(q, codes.AsSpan(slot * dims, dims)) * scales[slot];
            if (heap.Count < k)
            {
                heap.Enqueue(slot, score);
            }
            else if (heap.TryPeek(out _, out var worst) && score > worst)
            {
                heap.DequeueEnqueue(slot, score);
            }
        }

        var result = new List<(int, float)>(heap.Count);
        while (heap.TryDequeue(out var slot, out var score))
        {
            result.Add((slot, score));
        }

        return result;
    }

    public void Dispose() => _lock.Dispose();
}
