using System.Text;
using ContextHub.Knowledge.Embedded;
using ContextHub.Knowledge.Embeddings;
using ContextHub.Knowledge.Ingestion;
using ContextHub.Knowledge.Search;
using ContextHub.Tests;
using Microsoft.Extensions.AI;

namespace ContextHub.Knowledge.Tests;

/// <summary>Ingestion through the service, on the embedded store.</summary>
public sealed class KnowledgeServiceTests : IAsyncLifetime
{
    private readonly TempFolder _folder = new();
    private EmbeddedKnowledgeStore _store = null!;
    private KnowledgeService _service = null!;

    public async Task InitializeAsync()
    {
        _store = await EmbeddedKnowledgeStore.OpenAsync(Path.Combine(_folder.Path, "data"));
        _service = new KnowledgeService(_store, new HashingEmbeddingGenerator(), new KnowledgeOptions
        {
            MaxDocumentBytes = 64 * 1024,
            Chunking = new ChunkingOptions { ChunkSize = 200, Overlap = 40 },
        });
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        _folder.Dispose();
    }

    private string Write(string name, string text) => Write(name, Encoding.UTF8.GetBytes(text));

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(_folder.Path, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Theory]
    [InlineData(SearchMode.Vector)]
    [InlineData(SearchMode.FullText)]
    [InlineData(SearchMode.Hybrid)]
    public async Task One_hit_per_document_still_fills_the_limit_when_a_few_documents_crowd_the_candidates(SearchMode mode)
    {
        // Two long documents whose many chunks all match, then eight short ones that match less well.
        for (var d = 0; d < 2; d++)
        {
            var text = string.Join("\n\n", Enumerable.Range(0, 60).Select(i => $"Harbour ferries sail at dawn, paragraph {i} of crowded document {d}."));
            await _service.IngestAsync(IngestionRequest.FromText($"crowd-{d}.txt", text));
        }

        for (var d = 0; d < 8; d++)
        {
            await _service.IngestAsync(IngestionRequest.FromText($"single-{d}.txt", $"A ferry schedule, number {d}, with harbour notes and other matters {d * 7}."));
        }

        var hits = await _service.SearchAsync(new SearchRequest { Query = "harbour ferries", Mode = mode, Limit = 6 });

        Assert.Equal(6, hits.Count);
        Assert.Equal(6, hits.Select(h => h.DocumentId).Distinct().Count());
    }

    [Fact]
    public async Task A_batch_reports_each_bad_file_and_ingests_the_rest()
    {
        var files = new[]
        {
            Write("good.md", "# Good\n\nA fine document about gardening and tomatoes."),
            Write("broken.pdf", Encoding.ASCII.GetBytes("%PDF-1.4\nthis is not really a pdf")),
            Write("unknown.docx", "whatever"),
            Write("empty.txt", ""),
            Write("blank.txt", "   \n\n  "),
            Write("huge.txt", new string('a', 70 * 1024)),
            Path.Combine(_folder.Path, "missing.txt"),
            Write("bad.json", "{ \"a\": "),
            Write("page.html", "<html><head><title>Page</title></head><body><p>Cooking pasta with garlic.</p></body></html>"),
            Write("doc.pdf", TestPdfs.Make("A PDF about bicycles and gears.")),
            Write("data.json", "{\"title\":\"Settings\",\"theme\":\"dark\"}"),
        };
        var progress = new List<IngestionProgress>();
        var batch = await _service.IngestFilesAsync(files, new SyncProgress<IngestionProgress>(progress.Add));

        var byName = batch.Results.ToDictionary(r => Path.GetFileName(r.Source));
        Assert.Equal(IngestionStatus.Added, byName["good.md"].Status);
        Assert.Equal(IngestionStatus.Added, byName["page.html"].Status);
        Assert.Equal(IngestionStatus.Added, byName["doc.pdf"].Status);
        Assert.Equal(IngestionStatus.Added, byName["data.json"].Status);
        Assert.Equal(IngestionErrorKind.Unreadable, byName["broken.pdf"].ErrorKind);
        Assert.Equal(IngestionErrorKind.UnsupportedFormat, byName["unknown.docx"].ErrorKind);
        Assert.Contains(".docx", byName["unknown.docx"].Error, StringComparison.Ordinal);
        Assert.Equal(IngestionErrorKind.Empty, byName["empty.txt"].ErrorKind);
        Assert.Equal(IngestionErrorKind.Empty, byName["blank.txt"].ErrorKind);
        Assert.Equal(IngestionErrorKind.TooLarge, byName["huge.txt"].ErrorKind);
        Assert.Contains("limit", byName["huge.txt"].Error, StringComparison.Ordinal);
        Assert.Equal(IngestionErrorKind.NotFound, byName["missing.txt"].ErrorKind);
        Assert.Equal(IngestionErrorKind.Unreadable, byName["bad.json"].ErrorKind);
        Assert.All(batch.Failures, f => Assert.Contains(Path.GetFileName(f.Source), f.Error, StringComparison.Ordinal));

        Assert.Equal(files.Length, progress.Count);
        Assert.Equal(Enumerable.Range(1, files.Length), progress.Select(p => p.Completed));
        Assert.All(progress, p => Assert.Equal(files.Length, p.Total));

        var stats = await _store.GetStatsAsync();
        Assert.Equal(4, stats.Documents);
        Assert.Empty(await _store.CheckIntegrityAsync());
        var hits = await _service.SearchAsync(new SearchRequest { Query = "bicycles gears" });
        Assert.Equal(byName["doc.pdf"].DocumentId, hits[0].DocumentId);
    }

    [Fact]
    public async Task Same_content_is_deduplicated_and_changed_content_replaces_chunks()
    {
        var first = await _service.IngestAsync(IngestionRequest.FromText("a.txt", "Original text about apples. " + string.Join(' ', Enumerable.Repeat("More apple facts here.", 20))));
        Assert.Equal(IngestionStatus.Added, first.Status);
        Assert.True(first.ChunkCount > 1);

        var again = await _service.IngestAsync(IngestionRequest.FromText("a.txt", "Original text about apples. " + string.Join(' ', Enumerable.Repeat("More apple facts here.", 20))));
        Assert.Equal(IngestionStatus.Unchanged, again.Status);

        var copy = await _service.IngestAsync(IngestionRequest.FromText("copy-of-a.txt", "Original text about apples. " + string.Join(' ', Enumerable.Repeat("More apple facts here.", 20))));
        Assert.Equal(IngestionStatus.Duplicate, copy.Status);
        Assert.Equal(first.DocumentId, copy.DuplicateOf);
        Assert.Null(await _store.GetDocumentAsync(copy.DocumentId!));

        var changed = await _service.IngestAsync(IngestionRequest.FromText("a.txt", "Now it is about oranges only."));
        Assert.Equal(IngestionStatus.Updated, changed.Status);
        Assert.Equal(first.DocumentId, changed.DocumentId);
        var chunks = await _service.GetChunksAsync(first.DocumentId!);
        Assert.Equal("Now it is about oranges only.", Assert.Single(chunks).Text);
        Assert.Empty(await _service.SearchAsync(new SearchRequest { Query = "apples", Mode = SearchMode.FullText }));
        Assert.Empty(await _store.CheckIntegrityAsync());

        Assert.True(await _service.DeleteDocumentAsync(first.DocumentId!));
        Assert.Empty(await _service.SearchAsync(new SearchRequest { Query = "oranges" }));
        Assert.Equal(0, _store.VectorCount);
    }

    [Fact]
    public async Task A_different_embedding_model_is_refused_with_both_names()
    {
        await _service.IngestAsync(IngestionRequest.FromText("x.txt", "hello world"));
        var other = new KnowledgeService(_store, new HashingEmbeddingGenerator(128, "other-model"));
        var e = await Assert.ThrowsAsync<EmbeddingModelMismatchException>(() => other.IngestAsync(IngestionRequest.FromText("y.txt", "more")));
        Assert.Contains("contexthub-hashing-v1", e.Message, StringComparison.Ordinal);
        Assert.Contains("256 dimensions", e.Message, StringComparison.Ordinal);
        Assert.Contains("other-model", e.Message, StringComparison.Ordinal);
        Assert.Contains("128 dimensions", e.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<EmbeddingModelMismatchException>(() => other.SearchAsync(new SearchRequest { Query = "hello" }));
    }

    [Fact]
    public async Task A_generator_that_changes_dimension_midway_is_caught()
    {
        var liar = new ShiftingGenerator();
        var service = new KnowledgeService(_store, liar);
        Assert.Equal(IngestionStatus.Added, (await service.IngestAsync(IngestionRequest.FromText("a.txt", "first"))).Status);
        liar.Dimensions = 12;
        await Assert.ThrowsAsync<EmbeddingModelMismatchException>(() => service.IngestAsync(IngestionRequest.FromText("b.txt", "second")));
        Assert.Equal(1, (await _store.GetStatsAsync()).Documents);
    }

    [Fact]
    public async Task Tags_and_metadata_reach_the_document_and_resource_uris_round_trip()
    {
        var result = await _service.IngestAsync(IngestionRequest.FromText("notes/x.md", "# X\n\nbody", MimeTypes.Markdown) with
        {
            Id = "my doc/1",
            Tags = ["a"],
            Metadata = new Dictionary<string, string> { ["team"] = "core" },
        });
        var document = await _service.GetDocumentAsync("my doc/1");
        Assert.Equal("X", document!.Title);
        Assert.Equal(["a"], document.Tags);
        Assert.Equal("core", document.Metadata["team"]);
        Assert.Equal(MimeTypes.Markdown, document.MimeType);
        Assert.Equal("kb://documents/my%20doc%2F1", KnowledgeService.ResourceUri(result.DocumentId!));
        Assert.Equal("my doc/1", KnowledgeUris.TryParseDocument(document.ResourceUri));
        Assert.Null(KnowledgeUris.TryParseDocument("file:///x"));
    }

    [Fact]
    public async Task Tool_calls_are_recorded_through_the_service()
    {
        await _service.RecordToolCallAsync(new ToolCallRecord { Caller = "c", Tool = "search", Timestamp = DateTimeOffset.UtcNow, Result = new string('r', 3000) });
        var record = Assert.Single(await _store.GetToolCallsAsync(new ToolCallQuery { Caller = "c" }));
        Assert.Equal(ToolCallRecord.MaxResultLength, record.Result!.Length);
    }

    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }

    private sealed class ShiftingGenerator : IEmbeddingGenerator<string, Embedding<float>>
    {
        public int Dimensions { get; set; } = 8;

        public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            var result = new GeneratedEmbeddings<Embedding<float>>();
            foreach (var _ in values)
            {
                var v = new float[Dimensions];
                v[0] = 1;
                result.Add(new Embedding<float>(v));
            }

            return Task.FromResult(result);
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
