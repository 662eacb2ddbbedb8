namespace ContextHub.Knowledge.Indexes;

/// <summary>A chunk found by a k-nearest-neighbour search; <see cref="Score"/> is the cosine similarity.</summary>
public sealed record VectorHit(string ChunkId, string DocumentId, double Score);

/// <summary>A chunk found by a full-text search; <see cref="Score"/> is BM25 (higher is better).</summary>
/// <param name="Snippet">A short excerpt with matched terms between <see cref="FullTextMarkers.Open"/> and <see cref="FullTextMarkers.Close"/>; a backend may leave it empty past its best hits (callers cut one from the chunk text).</param>
public sealed record FullTextHit(string ChunkId, string DocumentId, double Score, string Snippet);
