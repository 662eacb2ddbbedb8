using ContextHub.Embeddings.MiniLM;
using ContextHub.Knowledge.Embedded;
using ContextHub.Knowledge.Embeddings;
using ContextHub.Knowledge.Ingestion;

namespace ContextHub.Server.Tests.Knowledge;

/// <summary>Configuration picks the backend and the embedding model in one place, and every knowledge setting reaches the part it is for.</summary>
public sealed class KnowledgeCompositionTests : IAsyncDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("contexthub-compose-").FullName;

    [Fact]
    public async Task Choices_are_read_in_any_case_and_pick_their_parts()
    {
        var (host, _) = KnowledgeHosts.Create(new Dictionary<string, string?>
        {
            ["DataFolder"] = Path.Combine(_root, "lower"),
            ["Backend"] = "embedded",
            ["Embeddings:Provider"] = "hashing",
            ["Embeddings:Dimensions"] = "64",
        });
        await using (host)
        {
            await host.StartAsync(CancellationToken.None);
            var service = await host.GetServiceAsync(CancellationToken.None);

            Assert.Equal(64, Assert.IsType<HashingEmbeddingGenerator>(host.Embedder).Dimensions);
            Assert.IsType<EmbeddedKnowledgeStore>(service.Store);
            Assert.Equal(64, service.Store.EmbeddingModel?.Dimensions);
        }
    }

    [Fact]
    public async Task Without_a_choice_the_local_model_is_the_embedder_and_is_not_loaded()
    {
        var (host, _) = KnowledgeHosts.Create(new Dictionary<string, string?> { ["DataFolder"] = Path.Combine(_root, "default") });
        await using (host)
        {
            Assert.False(Assert.IsType<MiniLMEmbeddingGenerator>(host.Embedder).IsLoaded);
        }
    }

    [Fact]
    public async Task Chunking_and_store_settings_from_configuration_reach_the_store()
    {
        var folder = Path.Combine(_root, "settings");
        var text = string.Join(' ', Enumerable.Range(1, 40).Select(i => $"Sentence number {i} tells of lighthouses and their keepers."));
        var chunks = new Dictionary<string, int>();
        foreach (var (name, size) in new[] { ("default", (string?)null), ("small", "200") })
        {
            var settings = new Dictionary<string, string?>
            {
                ["DataFolder"] = folder,
                ["Embeddings:Provider"] = "Hashing",
                ["Embedded:FileName"] = name + ".db",
            };
            if (size is not null)
            {
                settings["Chunking:ChunkSize"] = size;
                settings["Chunking:Overlap"] = "0";
            }

            var (host, _) = KnowledgeHosts.Create(settings);
            await using (host)
            {
                await host.StartAsync(CancellationToken.None);
                var service = await host.GetServiceAsync(CancellationToken.None);
                var result = await service.IngestAsync(IngestionRequest.FromText("notes/lighthouses", text));
                Assert.Equal(IngestionStatus.Added, result.Status);
                chunks[name] = result.ChunkCount;
            }

            Assert.True(File.Exists(Path.Combine(folder, name + ".db")), $"{name}.db was not created in the data folder");
        }

        // About 2,350 characters: three chunks of at most 1,000 characters by default, a dozen or so at 200.
        Assert.InRange(chunks["default"], 2, 4);
        Assert.InRange(chunks["small"], 10, 20);
    }

    public ValueTask DisposeAsync()
    {
        Directory.Delete(_root, recursive: true);
        return ValueTask.CompletedTask;
    }
}
