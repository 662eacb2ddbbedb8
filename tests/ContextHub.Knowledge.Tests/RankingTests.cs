using ContextHub.Embeddings.MiniLM;
using ContextHub.Knowledge.Embedded;
using ContextHub.Knowledge.Embeddings;
using ContextHub.Knowledge.Ingestion;
using ContextHub.Knowledge.Search;
using Microsoft.Extensions.AI;

namespace ContextHub.Knowledge.Tests;

/// <summary>
/// A small labelled collection: each query has one relevant document. A change that hurts ranking (tokenizing,
/// BM25 weights, fusion, chunking, embedding input) makes these fail.
/// </summary>
public sealed class RankingTests
{
    private static readonly (string Id, string Title, string Text)[] Corpus =
    [
        ("tomato", "Growing tomatoes", "Tomato plants need full sun, deep watering and support from stakes or cages. Pinch suckers to focus growth on fruit."),
        ("sourdough", "Sourdough bread", "A sourdough starter is a culture of wild yeast and lactic acid bacteria. Feed it flour and water daily before baking the loaf."),
        ("tls", "TLS handshakes", "During the TLS handshake the client and server agree on a cipher suite and exchange keys; the certificate proves the server's identity."),
        ("raft", "Raft consensus", "Raft elects a leader that replicates a log to followers. A write is committed once a majority of nodes have stored it."),
        ("marathon", "Marathon training", "Marathon runners build endurance with a weekly long run, easy mileage and a taper in the final weeks before the race."),
        ("espresso", "Pulling espresso", "Espresso forces hot water through finely ground coffee at nine bars of pressure; grind size controls the extraction time."),
        ("volcano", "Volcanic eruptions", "Magma rising through the crust builds pressure until the volcano erupts, sending lava flows and ash clouds into the sky."),
        ("gc", "Garbage collection", "A generational garbage collector assumes most objects die young, so it collects the nursery often and the old generation rarely."),
    ];

    private static readonly (string Query, string Relevant)[] LexicalQueries =
    [
        ("how much sun do tomato plants need", "tomato"),
        ("feeding a sourdough starter", "sourdough"),
        ("TLS certificate and cipher suite", "tls"),
        ("raft leader election and log replication", "raft"),
        ("long run before a marathon race", "marathon"),
        ("espresso grind size and pressure", "espresso"),
        ("lava and ash from a volcano", "volcano"),
        ("generational garbage collector nursery", "gc"),
    ];

    // No word of these appears in the relevant document: only a semantic model finds them.
    private static readonly (string Query, string Relevant)[] SemanticQueries =
    [
        ("which distributed algorithm picks a coordinator node", "raft"),
        ("making coffee with a machine", "espresso"),
        ("baking with naturally fermented dough", "sourdough"),
        ("encrypted connection setup between browser and website", "tls"),
        ("preparing to run 42 kilometres", "marathon"),
        ("automatic memory management in a runtime", "gc"),
    ];

    private static async Task<(KnowledgeService Service, IAsyncDisposable Store, TempFolder Folder)> IndexAsync(IEmbeddingGenerator<string, Embedding<float>> generator)
    {
        var folder = new TempFolder();
        var store = await EmbeddedKnowledgeStore.OpenAsync(folder.Path);
        var service = new KnowledgeService(store, generator);
        var batch = await service.IngestAsync(Corpus.Select(d => IngestionRequest.FromText("corpus/" + d.Id, d.Text) with { Id = d.Id, Title = d.Title }).ToList());
        Assert.All(batch.Results, r => Assert.True(r.Succeeded, r.ToString()));
        return (service, store, folder);
    }

    private static async Task<double> MeanReciprocalRankAsync(KnowledgeService service, (string Query, string Relevant)[] queries, SearchMode mode)
    {
        var sum = 0.0;
        foreach (var (query, relevant) in queries)
        {
            var hits = await service.SearchAsync(new SearchRequest { Query = query, Mode = mode, Limit = 5 });
            var rank = hits.Select(h => h.DocumentId).ToList().IndexOf(relevant);
            sum += rank < 0 ? 0 : 1.0 / (rank + 1);
        }

        return sum / queries.Length;
    }

    [Fact]
    public async Task Lexical_queries_rank_the_relevant_document_first_in_every_mode()
    {
        var (service, store, folder) = await IndexAsync(new HashingEmbeddingGenerator());
        try
        {
            Assert.Equal(1.0, await MeanReciprocalRankAsync(service, LexicalQueries, SearchMode.FullText));
            Assert.Equal(1.0, await MeanReciprocalRankAsync(service, LexicalQueries, SearchMode.Hybrid));
            Assert.True(await MeanReciprocalRankAsync(service, LexicalQueries, SearchMode.Vector) >= 0.9);
        }
        finally
        {
            await store.DisposeAsync();
            folder.Dispose();
        }
    }

    [Fact]
    public async Task MiniLM_finds_documents_by_meaning_and_hybrid_keeps_lexical_quality()
    {
        using var miniLm = new MiniLMEmbeddingGenerator();
        var (service, store, folder) = await IndexAsync(miniLm);
        try
        {
            Assert.Equal(MiniLMEmbeddingGenerator.QuantizedModelId, service.Store.EmbeddingModel?.ModelId); // the default: 8-bit weights
            Assert.Equal(384, service.Store.EmbeddingModel?.Dimensions);
            var semantic = await MeanReciprocalRankAsync(service, SemanticQueries, SearchMode.Vector);
            Assert.True(semantic >= 0.9, $"vector MRR on semantic queries {semantic:F2}");
            Assert.Equal(1.0, await MeanReciprocalRankAsync(service, LexicalQueries, SearchMode.Vector));
            Assert.Equal(1.0, await MeanReciprocalRankAsync(service, LexicalQueries, SearchMode.Hybrid));
            var hybridSemantic = await MeanReciprocalRankAsync(service, SemanticQueries, SearchMode.Hybrid);
            Assert.True(hybridSemantic >= 0.75, $"hybrid MRR on semantic queries {hybridSemantic:F2}");
        }
        finally
        {
            await store.DisposeAsync();
            folder.Dispose();
        }
    }

    [Fact]
    public async Task MiniLM_embeddings_are_normalized_deterministic_and_thread_safe()
    {
        using var miniLm = new MiniLMEmbeddingGenerator(new MiniLMOptions { BatchSize = 4 });
        var texts = Enumerable.Range(0, 10).Select(i => $"sentence number {i} about topic {i % 3}").ToArray();
        var sequential = await miniLm.GenerateAsync(texts);
        var parallel = await Task.WhenAll(texts.Select(t => miniLm.GenerateAsync([t])));
        for (var i = 0; i < texts.Length; i++)
        {
            var a = sequential[i].Vector.Span;
            var b = parallel[i][0].Vector.Span;
            Assert.Equal(384, a.Length);
            Assert.Equal(1.0, Math.Sqrt(System.Numerics.Tensors.TensorPrimitives.SumOfSquares(a)), 3);
            Assert.True(System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(a, b) > 0.999);
        }

        var metadata = miniLm.GetService<EmbeddingGeneratorMetadata>();
        Assert.Equal(384, metadata?.DefaultModelDimensions);
        var longText = string.Join(' ', Enumerable.Repeat("a very long input text", 2000));
        Assert.Equal(384, (await miniLm.GenerateAsync([longText]))[0].Vector.Length);
    }
}
