namespace ContextHub.Knowledge.Indexes;

/// <summary>
/// The embedding-model contract every store keeps, in one place: a store is bound to one model once (the first bind
/// records it, concurrent binds wait for it, a bind with another model is refused), and every write and vector query
/// must carry vectors of the bound model's dimension. Stores hold one and ask it before they write or search.
/// </summary>
public sealed class EmbeddingModelBinding
{
    private readonly SemaphoreSlim _gate = new(1, 1); // never disposed: no wait handle is ever taken from it
    private volatile EmbeddingModelInfo? _model;

    /// <param name="location">Where the store lives, named in every refusal.</param>
    public EmbeddingModelBinding(string location) => Location = location;

    /// <summary>Where the store lives (a file, a cluster's index).</summary>
    public string Location { get; }

    /// <summary>The bound model, or null while none is.</summary>
    public EmbeddingModelInfo? Model => _model;

    /// <summary>Takes the model a store found recorded when it opened (null: none yet).</summary>
    public void Restore(EmbeddingModelInfo? model) => _model = model;

    /// <summary>
    /// Binds <paramref name="model"/>: returns at once when it is the bound one; throws
    /// <see cref="EmbeddingModelMismatchException"/> when another is; otherwise, once for all concurrent callers, runs
    /// <paramref name="record"/>, which records the model and returns the one the store is now bound to (another
    /// process's, if it bound first; then the two must agree).
    /// </summary>
    public async Task BindAsync(EmbeddingModelInfo model, Func<EmbeddingModelInfo, CancellationToken, Task<EmbeddingModelInfo>> record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(record);
        ArgumentOutOfRangeException.ThrowIfLessThan(model.Dimensions, 1);
        CheckSame(model);
        await GetOrBindAsync(async ct =>
        {
            var bound = await record(model, ct);
            return bound == model ? bound : throw new EmbeddingModelMismatchException(bound, model, Location);
        }, cancellationToken);
        CheckSame(model);
    }

    /// <summary>
    /// The bound model; when none is, runs <paramref name="bind"/> once for all concurrent callers (the others wait for
    /// it) and keeps what it returns. A failed bind leaves the binding empty, to be tried again.
    /// </summary>
    public async Task<EmbeddingModelInfo> GetOrBindAsync(Func<CancellationToken, Task<EmbeddingModelInfo>> bind, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(bind);
        if (_model is { } known)
        {
            return known;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_model is { } again)
            {
                return again;
            }

            var model = await bind(cancellationToken);
            _model = model;
            return model;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Checks a write before it starts: the store is bound, every chunk belongs to <paramref name="document"/>, no chunk
    /// id appears twice, every embedding has the bound dimension. Returns the bound model.
    /// </summary>
    public EmbeddingModelInfo CheckWrite(Document document, IReadOnlyList<Chunk> chunks)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(chunks);
        var model = _model ?? throw new InvalidOperationException("Bind the store to an embedding model (BindEmbeddingModelAsync) before writing documents.");
        var seenIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var chunk in chunks)
        {
            if (chunk.DocumentId != document.Id)
            {
                throw new ArgumentException($"Chunk {chunk.Id} belongs to document {chunk.DocumentId}, not {document.Id}.", nameof(chunks));
            }

            if (!seenIds.Add(chunk.Id))
            {
                throw new ArgumentException($"Chunk id {chunk.Id} appears twice.", nameof(chunks));
            }

            if (chunk.Embedding.Length != model.Dimensions)
            {
                throw new EmbeddingModelMismatchException(model, new EmbeddingModelInfo("(embedding of chunk " + chunk.Id + ")", chunk.Embedding.Length), Location);
            }
        }

        return model;
    }

    /// <summary>Checks a query vector against the bound dimension (nothing to check while unbound).</summary>
    public void CheckQuery(ReadOnlyMemory<float> query)
    {
        if (_model is { } model && query.Length != model.Dimensions)
        {
            throw new EmbeddingModelMismatchException(model, new EmbeddingModelInfo("(query embedding)", query.Length), Location);
        }
    }

    private void CheckSame(EmbeddingModelInfo requested)
    {
        if (_model is { } bound && bound != requested)
        {
            throw new EmbeddingModelMismatchException(bound, requested, Location);
        }
    }
}
