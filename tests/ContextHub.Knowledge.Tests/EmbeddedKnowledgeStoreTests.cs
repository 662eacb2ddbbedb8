using ContextHub.Knowledge.Embedded;
using ContextHub.Knowledge.Storage;

namespace ContextHub.Knowledge.Tests;

/// <summary>The contract suite against the embedded (SQLite) backend, a temporary data folder per test.</summary>
public sealed class EmbeddedKnowledgeStoreTests : KnowledgeStoreContractTests
{
    private readonly TempFolder _folder = new();

    protected override async Task<IKnowledgeStore> CreateStoreAsync() =>
        await EmbeddedKnowledgeStore.OpenAsync(Path.Combine(_folder.Path, Guid.NewGuid().ToString("N")));

    protected override async Task<IKnowledgeStore?> ReopenStoreAsync(IKnowledgeStore store)
    {
        var path = ((EmbeddedKnowledgeStore)store).DatabasePath;
        await store.DisposeAsync();
        return await EmbeddedKnowledgeStore.OpenAsync(Path.GetDirectoryName(path)!);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task The_database_uses_wal_and_passes_its_integrity_check()
    {
        await using var store = await EmbeddedKnowledgeStore.OpenAsync(Path.Combine(_folder.Path, "wal"));
        await store.BindEmbeddingModelAsync(Model4);
        await store.UpsertDocumentAsync(Doc("a"), [C("a", 0, "hello world", 1, 0, 0, 0)]);
        Assert.True(File.Exists(store.DatabasePath + "-wal"));
        Assert.Empty(await store.CheckIntegrityAsync());
    }

    [Fact]
    public async Task Common_terms_are_left_out_of_large_full_text_queries_but_the_rarest_stays()
    {
        await using var store = await EmbeddedKnowledgeStore.OpenAsync(new EmbeddedStoreOptions
        {
            DataFolder = Path.Combine(_folder.Path, "prune"),
            CommonTermPruningMinChunks = 1,
            CommonTermShare = 0.4,
        });
        await store.BindEmbeddingModelAsync(Model4);
        for (var i = 0; i < 10; i++)
        {
            var text = i == 3 ? "common words and one zebra" : i < 6 ? "common words and giraffe" : "common words";
            await store.UpsertDocumentAsync(Doc("d" + i), [C("d" + i, 0, text, 1, 0, 0, 0)]);
        }

        Storage.IFullTextIndex fullText = store;
        // "common" is in every chunk and is dropped; "giraffe" (5 of 10) too; "zebra" decides.
        var hits = await fullText.SearchAsync("common giraffe zebra", 10);
        Assert.Equal("d3", Assert.Single(hits).DocumentId);
        Assert.Contains("**zebra**", hits[0].Snippet, StringComparison.Ordinal);
        // Only common terms: the rarest is kept.
        Assert.Equal(5, (await fullText.SearchAsync("common giraffe", 10)).Count);
        Assert.Equal(10, (await fullText.SearchAsync("common", 10)).Count);
    }
}

/// <summary>A temporary folder removed on dispose.</summary>
public sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "contexthub-kb-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
