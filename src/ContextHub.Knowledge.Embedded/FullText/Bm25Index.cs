using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace ContextHub.Knowledge.Embedded.FullText;

/// <summary>
/// The in-memory full-text ranking of every chunk: an inverted index (term → chunks with the term's weighted frequency)
/// scored term at a time with BM25 exactly as FTS5's <c>bm25()</c> does (k1 = 1.2, b = 0.75, per-column weights, the
/// row's length over all columns). Like <see cref="VectorSet"/>, the database stays the truth: the index is rebuilt
/// from it at open and updated after each commit; reads run in parallel and a write takes the lock alone.
/// </summary>
/// <remarks>
/// A removed chunk is only marked dead (its postings stay) until dead chunks pass <see cref="CompactionShare"/> of the
/// index; then the postings are rewritten without them. Until then the collection statistics (chunk count, average
/// length, document frequencies) still count the dead chunks, as Lucene's do until a merge.
/// </remarks>
internal sealed class Bm25Index : IDisposable
{
    public const double K1 = 1.2;
    public const double B = 0.75;
    public const double CompactionShare = 0.10;

    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly ConcurrentDictionary<string, int> _termIds = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _termLookup;
    private readonly ConcurrentDictionary<string, int> _surfaceIds = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _surfaceLookup;
    private readonly Lock _termIdsLock = new();
    private readonly Dictionary<long, int> _slotByChunk = [];
    private readonly float _textWeight;
    private readonly float _headingWeight;
    private readonly float _titleWeight;
    private readonly double _k1;
    private readonly double _b;
    private Postings[] _postings = [];
    private long[] _chunkRowIds = [];
    private long[] _documentRowIds = [];
    private string[] _chunkIds = [];
    private string[] _documentIds = [];
    private int[] _lengths = [];
    private bool[] _dead = [];
    private int _nextTermId;
    private int _slots;
    private int _deadSlots;
    private long _totalLength;

    public Bm25Index(double textWeight, double headingWeight, double titleWeight, double k1 = K1, double b = B)
    {
        _k1 = k1;
        _b = b;
        _textWeight = (float)textWeight;
        _headingWeight = (float)headingWeight;
        _titleWeight = (float)titleWeight;
        _termLookup = _termIds.GetAlternateLookup<ReadOnlySpan<char>>();
        _surfaceLookup = _surfaceIds.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>A term's postings: the slots of the chunks holding it and the weighted frequency in each.</summary>
    private struct Postings
    {
        public int[] Slots;
        public float[] Weights;
        public int Count;
    }

    /// <summary>A chunk analysed and ready to add: its distinct terms with weighted frequencies, and its length.</summary>
    public sealed record Prepared(long ChunkRowId, long DocumentRowId, string ChunkId, string DocumentId, int Length, int[] TermIds, float[] Weights);

    /// <summary>A field's terms with their counts and its length in tokens (a document title is analysed once for all its chunks).</summary>
    public sealed record AnalyzedField(int[] TermIds, int[] Counts, int Length)
    {
        public static readonly AnalyzedField Empty = new([], [], 0);
    }

    /// <summary>Chunks held, the dead ones left out.</summary>
    public int Count
    {
        get
        {
            _lock.EnterReadLock();
            try
            {
                return _slots - _deadSlots;
            }
            finally
            {
                _lock.ExitReadLock();
            }
        }
    }

    /// <summary>A field's distinct terms with their counts (a document title, analysed once for all its chunks).</summary>
    public AnalyzedField Analyze(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return AnalyzedField.Empty;
        }

        var scratch = Scratch.Current;
        var length = AddField(scratch, text, 1f);
        var (ids, weights) = scratch.Drain();
        return new AnalyzedField(ids, [.. weights.Select(w => (int)w)], length);
    }

    /// <summary>Analyses a chunk (outside any lock; safe on several threads at once).</summary>
    public Prepared Prepare(long chunkRowId, long documentRowId, string chunkId, string documentId, string text, string? heading, AnalyzedField title)
    {
        var scratch = Scratch.Current;
        var length = AddField(scratch, text, _textWeight) + AddField(scratch, heading, _headingWeight) + title.Length;
        if (_titleWeight > 0)
        {
            for (var i = 0; i < title.TermIds.Length; i++)
            {
                scratch.Add(title.TermIds[i], _titleWeight * title.Counts[i]);
            }
        }

        // A term found only in a field weighted 0 is left out: it could only add nothing.
        var (ids, weights) = scratch.Drain();
        return new Prepared(chunkRowId, documentRowId, chunkId, documentId, length, ids, weights);
    }

    /// <summary>Adds a field's terms, each with <paramref name="weight"/>, to the scratch; returns its length in tokens.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int AddField(Scratch scratch, string? text, float weight)
    {
        if (string.IsNullOrEmpty(text))
        {
            return 0;
        }

        var length = 0;
        var tokens = new TermAnalyzer.Tokens(text, stackalloc char[TermAnalyzer.MaxTokenLength]);
        while (tokens.Next(out var token))
        {
            length++;
            if (weight > 0)
            {
                scratch.Add(TermIdOf(token), weight);
            }
        }

        return length;
    }

    /// <summary>
    /// The term id of a folded token. Most tokens are words seen before, found by their surface form without stemming
    /// or allocating; a new surface form is stemmed once and remembered.
    /// </summary>
    private int TermIdOf(Span<char> token)
    {
        if (_surfaceLookup.TryGetValue(token, out var id))
        {
            return id;
        }

        var surface = token.ToString();
        var stem = token[..PorterStemmer.Stem(token)];
        id = _termLookup.TryGetValue(stem, out var known) ? known : AddTerm(stem);
        _surfaceIds.TryAdd(surface, id);
        return id;
    }

    /// <summary>Per-thread buffers that gather a chunk's term weights: one slot per term id, and the ids touched.</summary>
    private sealed class Scratch
    {
        [ThreadStatic]
        private static Scratch? t_current;

        private float[] _weights = new float[4096];
        private int[] _ids = new int[256];
        private int _count;

        public static Scratch Current => t_current ??= new Scratch();

        public void Add(int id, float weight)
        {
            if (id >= _weights.Length)
            {
                Array.Resize(ref _weights, Math.Max(id + 1, _weights.Length * 2));
            }

            if (_weights[id] == 0)
            {
                if (_count == _ids.Length)
                {
                    Array.Resize(ref _ids, _count * 2);
                }

                _ids[_count++] = id;
            }

            _weights[id] += weight;
        }

        /// <summary>The gathered ids and weights; leaves the scratch empty.</summary>
        public (int[] Ids, float[] Weights) Drain()
        {
            var ids = _ids.AsSpan(0, _count).ToArray();
            var weights = new float[_count];
            for (var i = 0; i < ids.Length; i++)
            {
                weights[i] = _weights[ids[i]];
                _weights[ids[i]] = 0;
            }

            _count = 0;
            return (ids, weights);
        }
    }

    /// <summary>The ids of known terms (unknown ones match nothing and are left out).</summary>
    public List<int> Lookup(IEnumerable<string> terms)
    {
        var ids = new List<int>();
        foreach (var term in terms)
        {
            if (_termIds.TryGetValue(term, out var id) && !ids.Contains(id))
            {
                ids.Add(id);
            }
        }

        return ids;
    }

    /// <summary>
    /// Fills an empty index with every chunk at once (the store's open): each posting list is allocated at its final
    /// size, where adding chunk by chunk grows them step by step.
    /// </summary>
    public void Load(IReadOnlyList<Prepared> chunks)
    {
        _lock.EnterWriteLock();
        try
        {
            if (_slots != 0)
            {
                throw new InvalidOperationException("Load fills an empty index only.");
            }

            var counts = new int[_nextTermId];
            foreach (var chunk in chunks)
            {
                foreach (var id in chunk.TermIds)
                {
                    counts[id]++;
                }
            }

            _postings = new Postings[counts.Length];
            for (var t = 0; t < counts.Length; t++)
            {
                if (counts[t] > 0)
                {
                    _postings[t] = new Postings { Slots = new int[counts[t]], Weights = new float[counts[t]] };
                }
            }

            var capacity = Math.Max(1024, chunks.Count);
            _chunkRowIds = new long[capacity];
            _documentRowIds = new long[capacity];
            _chunkIds = new string[capacity];
            _documentIds = new string[capacity];
            _lengths = new int[capacity];
            _dead = new bool[capacity];
            foreach (var chunk in chunks)
            {
                AddLocked(chunk);
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Removes <paramref name="removedChunkRowIds"/> and adds <paramref name="added"/>, as one step for readers.</summary>
    public void Apply(IReadOnlyCollection<long> removedChunkRowIds, IReadOnlyList<Prepared> added)
    {
        _lock.EnterWriteLock();
        try
        {
            foreach (var rowId in removedChunkRowIds)
            {
                RemoveLocked(rowId);
            }

            foreach (var chunk in added)
            {
                AddLocked(chunk);
            }

            if (_deadSlots > 0 && _deadSlots >= CompactionShare * _slots)
            {
                CompactLocked();
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>The k best chunks for the query's term ids, best first; ties go to the older chunk.</summary>
    public List<(long ChunkRowId, string ChunkId, string DocumentId, double Score)> Search(IReadOnlyList<int> termIds, int k, HashSet<long>? allowedDocuments)
    {
        _lock.EnterReadLock();
        try
        {
            var slots = _slots;
            if (slots == 0 || k <= 0 || termIds.Count == 0)
            {
                return [];
            }

            // Shared pool arrays come back as their last renter left them: cleared here (about 20 µs per 100k chunks).
            var scores = ArrayPool<float>.Shared.Rent(slots);
            Array.Clear(scores, 0, slots);
            var touched = ArrayPool<int>.Shared.Rent(slots);
            try
            {
                var touchedCount = Score(termIds, scores, touched);
                return Best(scores, touched, touchedCount, k, allowedDocuments);
            }
            finally
            {
                ArrayPool<float>.Shared.Return(scores);
                ArrayPool<int>.Shared.Return(touched);
            }
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Adds each term's BM25 contribution to the scores of its chunks; returns how many chunks got one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int Score(IReadOnlyList<int> termIds, float[] scores, int[] touched)
    {
        var n = (double)_slots;
        var averageLength = Math.Max(1.0, (double)_totalLength / _slots);
        var lengths = _lengths;
        var touchedCount = 0;
        foreach (var termId in termIds)
        {
            if ((uint)termId >= (uint)_postings.Length || _postings[termId].Count == 0)
            {
                continue;
            }

            ref readonly var postings = ref _postings[termId];
            var df = postings.Count;
            var idf = Math.Log((n - df + 0.5) / (df + 0.5));
            if (idf <= 0)
            {
                idf = 1e-6; // as FTS5: a term in more than half of all rows still counts a little
            }

            var top = (float)(idf * (_k1 + 1));
            var lengthFactor = (float)(_k1 * _b / averageLength);
            var constant = (float)(_k1 * (1 - _b));
            var postingSlots = postings.Slots.AsSpan(0, df);
            var weights = postings.Weights.AsSpan(0, df);
            for (var i = 0; i < postingSlots.Length; i++)
            {
                var slot = postingSlots[i];
                var w = weights[i];
                var contribution = top * w / (w + constant + (lengthFactor * lengths[slot]));
                if (scores[slot] == 0)
                {
                    touched[touchedCount++] = slot;
                    scores[slot] = contribution;
                }
                else
                {
                    scores[slot] += contribution;
                }
            }
        }

        return touchedCount;
    }

    private List<(long, string, string, double)> Best(float[] scores, int[] touched, int touchedCount, int k, HashSet<long>? allowedDocuments)
    {
        // A min-heap of the k best so far; the worst at the top. Ties: the higher row id (newer chunk) counts as worse.
        var heap = new PriorityQueue<int, (float Score, long NegRowId)>(k + 1);
        for (var i = 0; i < touchedCount; i++)
        {
            var slot = touched[i];
            var score = scores[slot];
            if (_dead[slot] || (allowedDocuments is not null && !allowedDocuments.Contains(_documentRowIds[slot])))
            {
                continue;
            }

            var key = (score, -_chunkRowIds[slot]);
            if (heap.Count < k)
            {
                heap.Enqueue(slot, key);
            }
            else if (heap.TryPeek(out _, out var worst) && key.CompareTo(worst) > 0)
            {
                heap.DequeueEnqueue(slot, key);
            }
        }

        var result = new List<(long, string, string, double)>(heap.Count);
        while (heap.TryDequeue(out var slot, out var key))
        {
            result.Add((_chunkRowIds[slot], _chunkIds[slot], _documentIds[slot], key.Score));
        }

        result.Reverse();
        return result;
    }

    private int AddTerm(ReadOnlySpan<char> term)
    {
        lock (_termIdsLock)
        {
            if (_termLookup.TryGetValue(term, out var id))
            {
                return id;
            }

            id = _nextTermId++;
            _termIds[term.ToString()] = id;
            return id;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void AddLocked(Prepared chunk)
    {
        if (_slotByChunk.ContainsKey(chunk.ChunkRowId))
        {
            RemoveLocked(chunk.ChunkRowId);
        }

        if (_slots == _chunkRowIds.Length)
        {
            var capacity = Math.Max(1024, _slots * 2);
            Array.Resize(ref _chunkRowIds, capacity);
            Array.Resize(ref _documentRowIds, capacity);
            Array.Resize(ref _chunkIds, capacity);
            Array.Resize(ref _documentIds, capacity);
            Array.Resize(ref _lengths, capacity);
            Array.Resize(ref _dead, capacity);
        }

        var slot = _slots++;
        _chunkRowIds[slot] = chunk.ChunkRowId;
        _documentRowIds[slot] = chunk.DocumentRowId;
        _chunkIds[slot] = chunk.ChunkId;
        _documentIds[slot] = chunk.DocumentId;
        _lengths[slot] = chunk.Length;
        _dead[slot] = false;
        _totalLength += chunk.Length;
        _slotByChunk[chunk.ChunkRowId] = slot;

        var maxTerm = chunk.TermIds.Length == 0 ? -1 : chunk.TermIds.Max();
        if (maxTerm >= _postings.Length)
        {
            Array.Resize(ref _postings, Math.Max(maxTerm + 1, _postings.Length * 2));
        }

        for (var i = 0; i < chunk.TermIds.Length; i++)
        {
            ref var postings = ref _postings[chunk.TermIds[i]];
            if (postings.Slots is null || postings.Count == postings.Slots.Length)
            {
                var capacity = postings.Slots is null ? 4 : postings.Count + Math.Max(4, postings.Count / 2);
                Array.Resize(ref postings.Slots, capacity);
                Array.Resize(ref postings.Weights, capacity);
            }

            postings.Slots[postings.Count] = slot;
            postings.Weights[postings.Count++] = chunk.Weights[i];
        }
    }

    private void RemoveLocked(long chunkRowId)
    {
        if (_slotByChunk.Remove(chunkRowId, out var slot))
        {
            _dead[slot] = true;
            _deadSlots++;
        }
    }

    /// <summary>Rewrites every posting list without the dead chunks and renumbers the live ones in order.</summary>
    private void CompactLocked()
    {
        var newSlot = new int[_slots];
        var next = 0;
        long totalLength = 0;
        for (var slot = 0; slot < _slots; slot++)
        {
            if (_dead[slot])
            {
                newSlot[slot] = -1;
                _chunkIds[slot] = null!;
                _documentIds[slot] = null!;
                continue;
            }

            newSlot[slot] = next;
            _chunkRowIds[next] = _chunkRowIds[slot];
            _documentRowIds[next] = _documentRowIds[slot];
            _chunkIds[next] = _chunkIds[slot];
            _documentIds[next] = _documentIds[slot];
            _lengths[next] = _lengths[slot];
            _dead[next] = false;
            totalLength += _lengths[next];
            if (next != slot)
            {
                _chunkIds[slot] = null!;
                _documentIds[slot] = null!;
            }

            next++;
        }

        for (var t = 0; t < _postings.Length; t++)
        {
            ref var postings = ref _postings[t];
            var kept = 0;
            for (var i = 0; i < postings.Count; i++)
            {
                var target = newSlot[postings.Slots[i]];
                if (target >= 0)
                {
                    postings.Slots[kept] = target;
                    postings.Weights[kept++] = postings.Weights[i];
                }
            }

            postings.Count = kept;
            if (kept == 0)
            {
                postings = default;
            }
            else if (kept < postings.Slots.Length / 2)
            {
                Array.Resize(ref postings.Slots, kept);
                Array.Resize(ref postings.Weights, kept);
            }
        }

        _slotByChunk.Clear();
        for (var slot = 0; slot < next; slot++)
        {
            _slotByChunk[_chunkRowIds[slot]] = slot;
        }

        _slots = next;
        _deadSlots = 0;
        _totalLength = totalLength;
    }

    public void Dispose() => _lock.Dispose();
}
