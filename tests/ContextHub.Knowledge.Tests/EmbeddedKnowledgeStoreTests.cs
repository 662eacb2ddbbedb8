using ContextHub.Knowledge.Embedded;
using ContextHub.Knowledge.Indexes;

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
    public async Task Full_text_ranks_every_chunk_that_holds_a_query_word_however_common()
    {
        await using var store = await EmbeddedKnowledgeStore.OpenAsync(Path.Combine(_folder.Path, "common"));
        await store.BindEmbeddingModelAsync(Model4);
        for (var i = 0; i < 10; i++)
        {
            var text = i == 3 ? "common words and one zebra giraffe" : i < 6 ? "common words and giraffe" : "common words";
            await store.UpsertDocumentAsync(Doc("d" + i), [C("d" + i, 0, text, 1, 0, 0, 0)]);
        }

        Indexes.IFullTextIndex fullText = store;
        var hits = await fullText.SearchAsync("common giraffe zebra", 10);
        Assert.Equal(10, hits.Count);
        Assert.Equal("d3", hits[0].DocumentId);
        Assert.Contains("**zebra**", hits[0].Snippet, StringComparison.Ordinal);
        Assert.Equal(["d0", "d1", "d2", "d4", "d5"], hits.Skip(1).Take(5).Select(h => h.DocumentId).Order());
        Assert.Equal(10, (await fullText.SearchAsync("common", 10)).Count);
        Assert.Equal(3, (await fullText.SearchAsync("common", 3)).Count);
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
