using ContextHub.Embeddings.MiniLM;
using ContextHub.Knowledge;
using ContextHub.Knowledge.Ingestion;
using ContextHub.Knowledge.Search;
using ContextHub.Server.KnowledgeBase;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ContextHub.Server.Tests.Knowledge;

/// <summary>The local model (all-MiniLM-L6-v2) is loaded when something first needs a vector, not when the server starts.</summary>
public sealed class LocalModelLoadingTests : IAsyncDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("contexthub-model-").FullName;

    [Fact]
    public async Task The_store_opens_without_the_model_and_the_first_vector_search_loads_it_saying_so()
    {
        var logs = new LogLines();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Information));
        await using var host = Host(Path.Combine(_root, "fresh"), "MiniLM", loggers);
        await host.StartAsync(CancellationToken.None);

        var service = await host.GetServiceAsync(CancellationToken.None);
        var model = Assert.IsType<MiniLMEmbeddingGenerator>(host.Embedder);
        Assert.False(model.IsLoaded);
        Assert.Equal(new EmbeddingModelInfo(MiniLMEmbeddingGenerator.QuantizedModelId, MiniLMEmbeddingGenerator.Dimensions), service.Store.EmbeddingModel);
        Assert.DoesNotContain(logs.Lines, l => l.Contains("Loading the embedding model", StringComparison.Ordinal));

        await service.SearchAsync(new SearchRequest { Query = "lighthouse keepers", Mode = SearchMode.FullText });
        Assert.False(model.IsLoaded); // full text needs no vector

        await service.SearchAsync(new SearchRequest { Query = "lighthouse keepers", Mode = SearchMode.Hybrid });
        Assert.True(model.IsLoaded);
        Assert.Contains(logs.Lines, l => l == $"Loading the embedding model {MiniLMEmbeddingGenerator.QuantizedModelId} (first use)");
        Assert.Contains(logs.Lines, l => l.StartsWith($"Embedding model {MiniLMEmbeddingGenerator.ModelId} quantized to 8-bit weights in ", StringComparison.Ordinal));
        Assert.Contains(logs.Lines, l => l.StartsWith($"Embedding model {MiniLMEmbeddingGenerator.QuantizedModelId} loaded in ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Two_seconds_after_loading_the_memory_of_the_first_use_is_given_back_once_saying_so()
    {
        var logs = new LogLines();
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        using var loggers = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Information));
        await using var host = Host(Path.Combine(_root, "release"), "MiniLM", loggers, time);
        await host.StartAsync(CancellationToken.None);
        var service = await host.GetServiceAsync(CancellationToken.None);

        await service.SearchAsync(new SearchRequest { Query = "lighthouse keepers", Mode = SearchMode.Hybrid });
        const string released = "memory of the first use given back";
        Assert.DoesNotContain(logs.Lines, l => l.Contains(released, StringComparison.Ordinal));

        time.Advance(TimeSpan.FromSeconds(2));
        for (var i = 0; i < 200 && !logs.Lines.Any(l => l.Contains(released, StringComparison.Ordinal)); i++)
        {
            await Task.Delay(50);
        }

        Assert.Single(logs.Lines, l => l.StartsWith($"Embedding model {MiniLMEmbeddingGenerator.QuantizedModelId}: {released}; the process now holds ", StringComparison.Ordinal));
        await service.SearchAsync(new SearchRequest { Query = "who polishes the lens", Mode = SearchMode.Hybrid });
        time.Advance(TimeSpan.FromSeconds(10));
        await Task.Delay(200);
        Assert.Single(logs.Lines, l => l.Contains(released, StringComparison.Ordinal)); // once per process, not per call
    }

    [Fact]
    public async Task A_store_built_with_another_model_is_still_refused_at_start_and_the_model_is_never_loaded()
    {
        var folder = Path.Combine(_root, "hashed");
        await using (var hashing = Host(folder, "Hashing", null))
        {
            await hashing.StartAsync(CancellationToken.None);
            await hashing.GetServiceAsync(CancellationToken.None);
        }

        await using var host = Host(folder, "MiniLM", null);
        await host.StartAsync(CancellationToken.None);

        var error = await Assert.ThrowsAsync<EmbeddingModelMismatchException>(() => host.GetServiceAsync(CancellationToken.None));
        Assert.Contains(MiniLMEmbeddingGenerator.QuantizedModelId, error.Message, StringComparison.Ordinal);
        Assert.False(Assert.IsType<MiniLMEmbeddingGenerator>(host.Embedder).IsLoaded);
    }

    [Fact]
    public async Task A_store_built_with_the_float_model_keeps_it_when_the_weights_are_not_chosen_and_says_so()
    {
        var folder = Path.Combine(_root, "float");
        await using (var before = Host(folder, "MiniLM", null, settings: new() { ["Embeddings:MiniLM:Quantization"] = "None" }))
        {
            await before.StartAsync(CancellationToken.None);
            var built = await before.GetServiceAsync(CancellationToken.None);
            await built.IngestAsync(IngestionRequest.FromText("notes/lighthouse.md", "The keeper trims the wick at dusk and polishes the great lens every morning."));
            Assert.Equal(MiniLMEmbeddingGenerator.ModelId, built.Store.EmbeddingModel?.ModelId);
        }

        // The next version's defaults (8-bit weights), on the same data folder.
        var logs = new LogLines();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Information));
        await using var host = Host(folder, "MiniLM", loggers);
        await host.StartAsync(CancellationToken.None);
        var service = await host.GetServiceAsync(CancellationToken.None);

        var model = Assert.IsType<MiniLMEmbeddingGenerator>(host.Embedder);
        Assert.Equal(MiniLMQuantization.None, model.Quantization);
        Assert.Equal(MiniLMEmbeddingGenerator.ModelId, service.Store.EmbeddingModel?.ModelId);
        Assert.Contains(logs.Lines, l => l.StartsWith($"The knowledge store was built with the float model {MiniLMEmbeddingGenerator.ModelId}; keeping it", StringComparison.Ordinal)
            && l.Contains("ContextHub:Knowledge:Embeddings:MiniLM:Quantization=Int8", StringComparison.Ordinal));
        var hits = await service.SearchAsync(new SearchRequest { Query = "who polishes the lens", Mode = SearchMode.Vector });
        Assert.Equal("notes/lighthouse.md", Assert.Single(hits).Source);
    }

    [Fact]
    public async Task A_store_built_with_the_float_model_refuses_int8_when_int8_is_chosen_naming_both_models()
    {
        var folder = Path.Combine(_root, "float-chosen");
        await using (var before = Host(folder, "MiniLM", null, settings: new() { ["Embeddings:MiniLM:Quantization"] = "None" }))
        {
            await before.StartAsync(CancellationToken.None);
            await before.GetServiceAsync(CancellationToken.None);
        }

        await using var host = Host(folder, "MiniLM", null, settings: new() { ["Embeddings:MiniLM:Quantization"] = "Int8" });
        await host.StartAsync(CancellationToken.None);

        var error = await Assert.ThrowsAsync<EmbeddingModelMismatchException>(() => host.GetServiceAsync(CancellationToken.None));
        Assert.Equal(MiniLMEmbeddingGenerator.ModelId, error.Existing.ModelId);
        Assert.Equal(MiniLMEmbeddingGenerator.QuantizedModelId, error.Requested.ModelId);
        Assert.False(Assert.IsType<MiniLMEmbeddingGenerator>(host.Embedder).IsLoaded);
    }

    [Fact]
    public async Task A_store_built_with_the_int8_model_is_refused_to_the_float_model()
    {
        var folder = Path.Combine(_root, "int8");
        await using (var before = Host(folder, "MiniLM", null))
        {
            await before.StartAsync(CancellationToken.None);
            await before.GetServiceAsync(CancellationToken.None);
        }

        await using var host = Host(folder, "MiniLM", null, settings: new() { ["Embeddings:MiniLM:Quantization"] = "None" });
        await host.StartAsync(CancellationToken.None);

        var error = await Assert.ThrowsAsync<EmbeddingModelMismatchException>(() => host.GetServiceAsync(CancellationToken.None));
        Assert.Equal(MiniLMEmbeddingGenerator.QuantizedModelId, error.Existing.ModelId);
    }

    private static KnowledgeHost Host(string folder, string provider, ILoggerFactory? loggers, TimeProvider? time = null, Dictionary<string, string?>? settings = null)
    {
        settings ??= [];
        settings["DataFolder"] = folder;
        settings["Embeddings:Provider"] = provider;
        return KnowledgeHosts.Create(settings, loggers, time).Host;
    }

    public ValueTask DisposeAsync()
    {
        Directory.Delete(_root, recursive: true);
        return ValueTask.CompletedTask;
    }

    private sealed class LogLines : ILoggerProvider, ILogger
    {
        private readonly List<string> _lines = [];

        public IReadOnlyList<string> Lines
        {
            get
            {
                lock (_lines)
                {
                    return [.. _lines];
                }
            }
        }

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_lines)
            {
                _lines.Add(formatter(state, exception));
            }
        }

        public void Dispose()
        {
        }
    }
}
