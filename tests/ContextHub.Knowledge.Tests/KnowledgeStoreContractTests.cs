using ContextHub.Knowledge.Embeddings;
using ContextHub.Knowledge.Filters;
using ContextHub.Knowledge.Indexes;
using ContextHub.Knowledge.Ingestion;
using ContextHub.Knowledge.Search;

namespace ContextHub.Knowledge.Tests;

/// <summary>
/// What every knowledge store backend must do. A backend's test class derives from this and says how to make a fresh,
/// empty store (and, when it persists, how to open the same store again).
/// </summary>
public abstract class KnowledgeStoreContractTests : IAsyncLifetime
{
    private readonly List<IKnowledgeStore> _opened = [];

    /// <summary>A new, empty store.</summary>
    protected abstract Task<IKnowledgeStore> CreateStoreAsync();

    /// <summary>The same store opened anew after <paramref name="store"/> was disposed; null for backends that do not persist.</summary>
    protected abstract Task<IKnowledgeStore?> ReopenStoreAsync(IKnowledgeStore store);

    protected static readonly EmbeddingModelInfo Model4 = new("test-model", 4);

    public Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        foreach (var store in _opened)
        {
            await store.DisposeAsync();
        }
    }

    private async Task<IKnowledgeStore> NewStoreAsync(EmbeddingModelInfo? model = null)
    {
        var store = await CreateStoreAsync();
        _opened.Add(store);
        if (model is not null)
        {
            await store.BindEmbeddingModelAsync(model);
        }

        return store;
    }

    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    protected static Document Doc(string id, string source = "src/a", string title = "", IReadOnlyList<string>? tags = null, Dictionary<string, string>? metadata = null, DateTimeOffset? created = null, string? hash = null) => new()
    {
        Id = id,
        Source = source,
        Title = title.Length == 0 ? "Title of " + id : title,
        MimeType = MimeTypes.PlainText,
        Tags = tags ?? [],
        Metadata = metadata ?? [],
        CreatedAt = created ?? T0,
        UpdatedAt = created ?? T0,
        ContentHash = hash ?? ("hash-" + id),
    };

    protected static Chunk C(string documentId, int ordinal, string text, params float[] embedding) => new()
    {
        Id = Chunk.MakeId(documentId, ordinal),
        DocumentId = documentId,
        Ordinal = ordinal,
        Text = text,
        Embedding = embedding,
    };

    private async Task<IKnowledgeStore> SeededAsync()
    {
        var store = await NewStoreAsync(Model4);
        await store.UpsertDocumentAsync(Doc("alpha", "src/a", tags: ["red", "blue"], metadata: new() { ["lang"] = "en", ["year"] = "2021" }, created: T0),
            [C("alpha", 0, "The quick brown fox jumps over the lazy dog.", 1, 0, 0, 0), C("alpha", 1, "Foxes are omnivorous mammals.", 0.9f, 0.1f, 0, 0)]);
        await store.UpsertDocumentAsync(Doc("beta", "src/a", tags: ["blue"], metadata: new() { ["lang"] = "de", ["year"] = "2023" }, created: T0.AddDays(10)),
            [C("beta", 0, "Der schnelle braune Fuchs. Databases store rows in tables.", 0, 1, 0, 0)]);
        await store.UpsertDocumentAsync(Doc("gamma", "src/b", tags: [], metadata: new() { ["year"] = "2019" }, created: T0.AddDays(20)),
            [C("gamma", 0, "Vector search finds nearest neighbours by cosine similarity.", 0, 0, 1, 0)]);
        return store;
    }

    [Fact]
    public async Task Upserted_document_and_chunks_read_back()
    {
        var store = await SeededAsync();
        var alpha = await store.Metadata.GetDocumentAsync("alpha");
        Assert.NotNull(alpha);
        Assert.Equal("src/a", alpha.Source);
        Assert.Equal(["red", "blue"], alpha.Tags);
        Assert.Equal("en", alpha.Metadata["lang"]);
        Assert.Equal(2, alpha.ChunkCount);
        Assert.Equal(T0, alpha.CreatedAt);
        Assert.Equal("kb://documents/alpha", alpha.ResourceUri);

        var chunks = await store.Metadata.GetChunksAsync("alpha");
        Assert.Equal([0, 1], chunks.Select(c => c.Ordinal));
        Assert.Equal("Foxes are omnivorous mammals.", chunks[1].Text);
        Assert.Equal(4, chunks[0].Embedding.Length);
        Assert.Equal("alpha", chunks[0].Document?.Id);
        Assert.Null(await store.Metadata.GetDocumentAsync("missing"));
    }

    [Fact]
    public async Task Full_text_search_ranks_by_bm25_with_snippets()
    {
        var store = await SeededAsync();
        var hits = await store.FullText.SearchAsync("fox", 10);
        Assert.NotEmpty(hits);
        Assert.All(hits, h => Assert.Equal("alpha", h.DocumentId));
        Assert.Contains("**", hits[0].Snippet, StringComparison.Ordinal);
        Assert.True(hits[0].Score > 0);

        var databases = await store.FullText.SearchAsync("what stores rows in DATABASES?", 10);
        Assert.Equal("beta", Assert.Single(databases).DocumentId);
        Assert.Contains("**Databases**", databases[0].Snippet, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Full_text_query_syntax_is_not_interpreted()
    {
        var store = await SeededAsync();
        Assert.Empty(await store.FullText.SearchAsync("\"NEAR(\" OR * ^ -", 10));
        Assert.Empty(await store.FullText.SearchAsync("   ", 10));
        Assert.NotEmpty(await store.FullText.SearchAsync("fox AND (nothing", 10));
    }

    [Fact]
    public async Task Vector_search_is_exact_nearest_neighbours()
    {
        var store = await SeededAsync();
        var hits = await store.Vectors.SearchAsync(new float[] { 1, 0.05f, 0, 0 }, 2);
        Assert.Equal(["alpha#0", "alpha#1"], hits.Select(h => h.ChunkId));
        Assert.True(hits[0].Score >= hits[1].Score);
        Assert.InRange(hits[0].Score, 0.99, 1.0001);

        var gamma = await store.Vectors.SearchAsync(new float[] { 0, 0, 3, 0 }, 1);
        Assert.Equal("gamma", Assert.Single(gamma).DocumentId);
    }

    public static TheoryData<string, string[]> Filters() => new()
    {
        { "equals-source", ["alpha", "beta"] },
        { "equals-tag", ["alpha", "beta"] },
        { "in-tags", ["alpha"] },
        { "range-created", ["beta", "gamma"] },
        { "range-metadata-number", ["alpha", "beta"] },
        { "exists-metadata", ["alpha", "beta"] },
        { "exists-tags", ["alpha", "beta"] },
        { "not-missing-metadata", ["alpha", "gamma"] },
        { "and-or", ["beta", "gamma"] },
        { "id-in", ["alpha", "gamma"] },
    };

    private static MetadataFilter NamedFilter(string name) => name switch
    {
        "equals-source" => MetadataFilter.Equal(DocumentFields.Source, "src/a"),
        "equals-tag" => MetadataFilter.Equal(DocumentFields.Tags, "blue"),
        "in-tags" => MetadataFilter.In(DocumentFields.Tags, "red", "green"),
        "range-created" => MetadataFilter.Range(DocumentFields.CreatedAt, from: T0.AddDays(1)),
        "range-metadata-number" => MetadataFilter.Range(DocumentFields.Metadata("year"), 2020, 2023),
        "exists-metadata" => MetadataFilter.Exists(DocumentFields.Metadata("lang")),
        "exists-tags" => MetadataFilter.Exists(DocumentFields.Tags),
        "not-missing-metadata" => MetadataFilter.Not(MetadataFilter.Equal(DocumentFields.Metadata("lang"), "de")),
        "and-or" => MetadataFilter.Or(
            MetadataFilter.And(MetadataFilter.Equal(DocumentFields.Source, "src/a"), MetadataFilter.Equal(DocumentFields.Metadata("lang"), "de")),
            MetadataFilter.Equal(DocumentFields.Source, "src/b")),
        "id-in" => MetadataFilter.In(DocumentFields.Id, "alpha", "gamma", "nope"),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Fact]
    public async Task A_repeated_filter_sees_every_write_in_between()
    {
        var store = await SeededAsync();
        var blue = MetadataFilter.Equal(DocumentFields.Tags, "blue");
        async Task<string[]> BlueAsync()
        {
            var text = await store.FullText.SearchAsync("fox databases vector", 10, blue);
            var vectors = await store.Vectors.SearchAsync(new float[] { 1, 1, 1, 0 }, 10, blue);
            Assert.Equal(text.Select(h => h.DocumentId).Distinct().Order(), vectors.Select(h => h.DocumentId).Distinct().Order());
            return [.. vectors.Select(h => h.DocumentId).Distinct().Order()];
        }

        Assert.Equal(["alpha", "beta"], await BlueAsync());
        await store.UpsertDocumentAsync(Doc("beta", "src/a", tags: ["green"]), [C("beta", 0, "Databases store rows in tables.", 0, 1, 0, 0)]);
        Assert.Equal(["alpha"], await BlueAsync());
        await store.UpsertDocumentAsync(Doc("gamma", "src/b", tags: ["blue"]), [C("gamma", 0, "Vector search finds nearest neighbours.", 0, 0, 1, 0)]);
        Assert.Equal(["alpha", "gamma"], await BlueAsync());
        Assert.True(await store.DeleteDocumentAsync("alpha"));
        Assert.Equal(["gamma"], await BlueAsync());
    }

    [Theory]
    [MemberData(nameof(Filters))]
    public async Task Filters_apply_to_metadata_full_text_and_vector_search(string name, string[] expected)
    {
        var store = await SeededAsync();
        var filter = NamedFilter(name);

        var documents = await store.Metadata.FindDocumentsAsync(filter);
        Assert.Equal(expected, documents.Select(d => d.Id).Order());
        Assert.Equal(expected.Length, await store.Metadata.CountDocumentsAsync(filter));

        // The backend agrees with the reference evaluator.
        var all = await store.Metadata.FindDocumentsAsync();
        Assert.Equal(expected, all.Where(d => MetadataFilterEvaluator.Matches(filter, d)).Select(d => d.Id).Order());

        var vector = await store.Vectors.SearchAsync(new float[] { 1, 1, 1, 1 }, 10, filter);
        Assert.Equal(expected, vector.Select(h => h.DocumentId).Distinct().Order());

        // Every seeded chunk contains one of these words.
        var text = await store.FullText.SearchAsync("fox fuchs vector", 10, filter);
        Assert.Equal(expected, text.Select(h => h.DocumentId).Distinct().Order());
    }

    [Fact]
    public async Task Invalid_filters_are_refused()
    {
        var store = await SeededAsync();
        await Assert.ThrowsAsync<ArgumentException>(() => store.Metadata.FindDocumentsAsync(MetadataFilter.Equal("colour", "red")));
        await Assert.ThrowsAsync<ArgumentException>(() => store.Metadata.FindDocumentsAsync(MetadataFilter.Range(DocumentFields.CreatedAt, "yesterday")));
        await Assert.ThrowsAsync<ArgumentException>(() => store.Vectors.SearchAsync(new float[] { 1, 0, 0, 0 }, 3, MetadataFilter.And()));
    }

    [Fact]
    public async Task Upsert_replaces_all_chunks_in_every_index()
    {
        var store = await SeededAsync();
        await store.UpsertDocumentAsync(Doc("alpha", hash: "hash-2"), [C("alpha", 0, "Completely different words about penguins.", 0, 0, 0, 1)]);

        var alpha = await store.Metadata.GetDocumentAsync("alpha");
        Assert.Equal(1, alpha!.ChunkCount);
        Assert.Equal("hash-2", alpha.ContentHash);
        Assert.Single(await store.Metadata.GetChunksAsync("alpha"));
        Assert.Empty(await store.FullText.SearchAsync("fox", 10));
        Assert.Equal("alpha", Assert.Single(await store.FullText.SearchAsync("penguins", 10)).DocumentId);
        var nearest = await store.Vectors.SearchAsync(new float[] { 1, 0, 0, 0 }, 10);
        Assert.DoesNotContain(nearest, h => h.ChunkId == "alpha#1");
        Assert.Equal("alpha#0", (await store.Vectors.SearchAsync(new float[] { 0, 0, 0, 1 }, 1))[0].ChunkId);
        Assert.Equal(3, (await store.Metadata.GetStatsAsync()).Chunks);
    }

    [Fact]
    public async Task Delete_removes_the_document_from_every_index()
    {
        var store = await SeededAsync();
        Assert.True(await store.DeleteDocumentAsync("alpha"));
        Assert.False(await store.DeleteDocumentAsync("alpha"));
        Assert.Null(await store.Metadata.GetDocumentAsync("alpha"));
        Assert.Empty(await store.Metadata.GetChunksAsync("alpha"));
        Assert.Empty(await store.FullText.SearchAsync("fox", 10));
        Assert.DoesNotContain(await store.Vectors.SearchAsync(new float[] { 1, 0, 0, 0 }, 10), h => h.DocumentId == "alpha");
        Assert.Empty(await store.Metadata.GetChunksByIdAsync(["alpha#0", "alpha#1"]));
        var stats = await store.Metadata.GetStatsAsync();
        Assert.Equal(2, stats.Documents);
        Assert.Equal(2, stats.Chunks);
    }

    [Fact]
    public async Task A_failed_upsert_writes_nothing()
    {
        var store = await SeededAsync();
        // Two chunks with the same id: the write must fail as a whole and leave the old version in place.
        var bad = new[] { C("alpha", 0, "new text one", 0, 0, 0, 1), C("alpha", 0, "new text two", 0, 0, 0, 1) };
        await Assert.ThrowsAnyAsync<Exception>(() => store.UpsertDocumentAsync(Doc("alpha", hash: "new"), bad));
        var alpha = await store.Metadata.GetDocumentAsync("alpha");
        Assert.Equal("hash-alpha", alpha!.ContentHash);
        Assert.Equal(2, (await store.Metadata.GetChunksAsync("alpha")).Count);
        Assert.Empty(await store.FullText.SearchAsync("new text", 10));

        // A chunk of the wrong dimension is refused before anything is written.
        await Assert.ThrowsAsync<EmbeddingModelMismatchException>(() => store.UpsertDocumentAsync(Doc("delta"), [C("delta", 0, "x", 1, 0, 0)]));
        Assert.Null(await store.Metadata.GetDocumentAsync("delta"));
    }

    [Fact]
    public async Task A_different_embedding_model_or_dimension_is_refused()
    {
        var store = await SeededAsync();
        await store.BindEmbeddingModelAsync(Model4);
        var other = await Assert.ThrowsAsync<EmbeddingModelMismatchException>(() => store.BindEmbeddingModelAsync(new EmbeddingModelInfo("other-model", 4)));
        Assert.Contains("test-model", other.Message, StringComparison.Ordinal);
        Assert.Contains("other-model", other.Message, StringComparison.Ordinal);
        var wider = await Assert.ThrowsAsync<EmbeddingModelMismatchException>(() => store.BindEmbeddingModelAsync(new EmbeddingModelInfo("test-model", 8)));
        Assert.Contains("4 dimensions", wider.Message, StringComparison.Ordinal);
        Assert.Contains("8 dimensions", wider.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<EmbeddingModelMismatchException>(() => store.Vectors.SearchAsync(new float[8], 3));
    }

    [Fact]
    public async Task Writing_before_binding_a_model_is_refused()
    {
        var store = await NewStoreAsync();
        Assert.Null(store.EmbeddingModel);
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.UpsertDocumentAsync(Doc("a"), [C("a", 0, "x", 1, 0, 0, 0)]));
    }

    [Fact]
    public async Task Sources_and_content_hashes_are_indexed()
    {
        var store = await SeededAsync();
        var sources = await store.Metadata.ListSourcesAsync();
        Assert.Equal([("src/a", 2), ("src/b", 1)], sources.Select(s => (s.Source, s.DocumentCount)));
        Assert.Equal("beta", Assert.Single(await store.Metadata.FindByContentHashAsync("hash-beta")).Id);
        Assert.Empty(await store.Metadata.FindByContentHashAsync("nope"));
        var page = await store.Metadata.FindDocumentsAsync(null, limit: 2, offset: 1);
        Assert.Equal(["beta", "gamma"], page.Select(d => d.Id));
    }

    [Fact]
    public async Task Tool_calls_are_recorded_and_queried_newest_first()
    {
        var store = await NewStoreAsync(Model4);
        for (var i = 0; i < 5; i++)
        {
            await store.Metadata.RecordToolCallAsync(new ToolCallRecord
            {
                Caller = i % 2 == 0 ? "alice" : "bob",
                Tool = i < 3 ? "search" : "fetch",
                ArgumentsHash = "h" + i,
                Duration = TimeSpan.FromMilliseconds(10 + i),
                Outcome = i == 4 ? ToolCallOutcome.Error : ToolCallOutcome.Success,
                Result = new string('x', 5000),
                Timestamp = T0.AddMinutes(i),
                SessionId = "s1",
            });
        }

        var alice = await store.Metadata.GetToolCallsAsync(new ToolCallQuery { Caller = "alice" });
        Assert.Equal(["h4", "h2", "h0"], alice.Select(r => r.ArgumentsHash));
        Assert.Equal(ToolCallOutcome.Error, alice[0].Outcome);
        Assert.Equal(TimeSpan.FromMilliseconds(14), alice[0].Duration);
        Assert.True(alice[0].Result!.Length <= ToolCallRecord.MaxResultLength);
        Assert.Equal(2, (await store.Metadata.GetToolCallsAsync(new ToolCallQuery { Tool = "fetch" })).Count);
        Assert.Single(await store.Metadata.GetToolCallsAsync(new ToolCallQuery { Outcome = ToolCallOutcome.Error }));
        Assert.Equal(2, (await store.Metadata.GetToolCallsAsync(new ToolCallQuery { Since = T0.AddMinutes(3) })).Count);
        Assert.Equal(2, (await store.Metadata.GetToolCallsAsync(new ToolCallQuery { Limit = 2 })).Count);
        Assert.Equal(5, (await store.Metadata.GetStatsAsync()).ToolCalls);
    }

    [Fact]
    public async Task Everything_survives_reopening()
    {
        var store = await SeededAsync();
        await store.DeleteDocumentAsync("gamma");
        _opened.Remove(store);
        var reopened = await ReopenStoreAsync(store);
        if (reopened is null)
        {
            return;
        }

        _opened.Add(reopened);
        Assert.Equal(Model4, reopened.EmbeddingModel);
        Assert.Equal(["alpha", "beta"], (await reopened.Metadata.FindDocumentsAsync()).Select(d => d.Id));
        Assert.Equal("alpha#0", (await reopened.Vectors.SearchAsync(new float[] { 1, 0, 0, 0 }, 1))[0].ChunkId);
        Assert.NotEmpty(await reopened.FullText.SearchAsync("fox", 3));
        await Assert.ThrowsAsync<EmbeddingModelMismatchException>(() => reopened.BindEmbeddingModelAsync(new EmbeddingModelInfo("test-model", 5)));
    }

    [Fact]
    public async Task Concurrent_writes_and_searches_stay_consistent()
    {
        var store = await NewStoreAsync(new EmbeddingModelInfo("test-model", 16));
        var embedder = new HashingEmbeddingGenerator(16, "test-model");
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 25; i++)
            {
                var id = $"w{w}-{i}";
                var text = $"writer {w} document {i} about topic{i % 5}";
                await store.UpsertDocumentAsync(Doc(id), [C(id, 0, text, embedder.Embed(text)), C(id, 1, text + " more", embedder.Embed(text + " more"))]);
            }
        }));
        var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 50; i++)
            {
                await store.Vectors.SearchAsync(embedder.Embed("topic3 document"), 5);
                await store.FullText.SearchAsync("topic3", 5);
            }
        }));
        await Task.WhenAll(writers.Concat(readers));
        var stats = await store.Metadata.GetStatsAsync();
        Assert.Equal(100, stats.Documents);
        Assert.Equal(200, stats.Chunks);
        Assert.Equal(200, (await store.Vectors.SearchAsync(embedder.Embed("writer"), 1000)).Count);
    }

    [Fact]
    public async Task Knowledge_service_searches_in_all_three_modes_with_uris_and_snippets()
    {
        var store = await NewStoreAsync();
        var service = new KnowledgeService(store, new HashingEmbeddingGenerator());
        var batch = await service.IngestAsync([
            IngestionRequest.FromText("notes/postgres.md", "# Postgres\n\nPostgreSQL replication uses write-ahead log shipping to standby servers.", MimeTypes.Markdown),
            IngestionRequest.FromText("notes/kafka.md", "# Kafka\n\nKafka partitions a topic; consumers in a group share partitions.", MimeTypes.Markdown) with { Tags = ["streaming"] },
            IngestionRequest.FromText("notes/redis.txt", "Redis keeps data in memory and can persist snapshots to disk."),
        ]);
        Assert.All(batch.Results, r => Assert.Equal(IngestionStatus.Added, r.Status));

        foreach (var mode in new[] { SearchMode.FullText, SearchMode.Vector, SearchMode.Hybrid })
        {
            var hits = await service.SearchAsync(new SearchRequest { Query = "replication standby servers", Mode = mode, Limit = 3 });
            var top = hits[0];
            Assert.Equal("Postgres", top.Title);
            Assert.Equal($"kb://documents/{top.DocumentId}", top.ResourceUri);
            Assert.StartsWith(top.DocumentId + "#", top.ChunkId, StringComparison.Ordinal);
            Assert.Contains("**", top.Snippet, StringComparison.Ordinal);
            Assert.True(top.Score > 0);
            Assert.Equal(hits.Count, hits.Select(h => h.DocumentId).Distinct().Count());
        }

        var filtered = await service.SearchAsync(new SearchRequest { Query = "replication partitions memory", Filter = MetadataFilter.Equal(DocumentFields.Tags, "streaming") });
        Assert.Equal("Kafka", Assert.Single(filtered).Title);
    }
}
