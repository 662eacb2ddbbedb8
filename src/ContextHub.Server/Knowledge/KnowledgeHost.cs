using ContextHub.Embeddings.MiniLM;
using ContextHub.Knowledge;
using ContextHub.Knowledge.Embedded;
using ContextHub.Knowledge.Elasticsearch;
using ContextHub.Knowledge.Embeddings;
using ContextHub.Knowledge.Storage;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace ContextHub.Server.Knowledge;

/// <summary>
/// Opens the knowledge store when the server starts (and closes it when it stops), binds it to the embedding model —
/// a store built with another model or dimension stops the start with a message naming both — and hands out the
/// <see cref="KnowledgeService"/> every door uses.
/// </summary>
public sealed partial class KnowledgeHost : IHostedService, IAsyncDisposable
{
    private readonly KnowledgeServerOptions _options;
    private readonly ILoggerFactory _loggers;
    private readonly TimeProvider _time;
    private readonly IServiceProvider _services;
    private IKnowledgeStore? _store;
    private IEmbeddingGenerator<string, Embedding<float>>? _embedder;
    private KnowledgeService? _service;

    public KnowledgeHost(IOptions<KnowledgeServerOptions> options, ILoggerFactory loggers, TimeProvider time, IServiceProvider services)
    {
        _options = options.Value;
        _loggers = loggers;
        _time = time;
        _services = services;
    }

    /// <summary>The service; available once the server has started.</summary>
    public KnowledgeService Service => _service ?? throw new InvalidOperationException("The knowledge store is not open yet (the server has not started).");

    public bool IsOpen => _service is not null;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var folder = Path.GetFullPath(_options.DataFolder);
        _embedder = CreateEmbedder(_options.Embeddings);
        if (_options.Backend == "Elasticsearch")
        {
            var elasticsearch = _services.GetRequiredService<IOptions<ElasticsearchStoreOptions>>().Value;
            folder = elasticsearch.Url ?? "";
            _store = await ElasticsearchKnowledgeStore.OpenAsync(elasticsearch, _loggers.CreateLogger<ElasticsearchKnowledgeStore>(), cancellationToken);
        }
        else
        {
            Directory.CreateDirectory(folder);
            _store = await EmbeddedKnowledgeStore.OpenAsync(new EmbeddedStoreOptions { DataFolder = folder },
                _loggers.CreateLogger<EmbeddedKnowledgeStore>(), cancellationToken);
        }

        var service = new KnowledgeService(_store, _embedder, new KnowledgeOptions(), logger: _loggers.CreateLogger<KnowledgeService>(), timeProvider: _time);
        var model = await service.InitializeAsync(cancellationToken);
        _service = service;
        var logger = _loggers.CreateLogger<KnowledgeHost>();
        LogOpened(logger, folder, model.ModelId, model.Dimensions);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        _service = null;
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        (_embedder as IDisposable)?.Dispose();
    }

    private static IEmbeddingGenerator<string, Embedding<float>> CreateEmbedder(KnowledgeEmbeddingOptions options) => options.Provider switch
    {
        "Hashing" => new HashingEmbeddingGenerator(options.Dimensions),
        "OpenAI" => new OpenAI.OpenAIClient(new System.ClientModel.ApiKeyCredential(options.ApiKey ?? "unused"),
                new OpenAI.OpenAIClientOptions { Endpoint = new Uri(options.Endpoint!) })
            .GetEmbeddingClient(options.Model!)
            .AsIEmbeddingGenerator(),
        _ => new MiniLMEmbeddingGenerator(),
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Knowledge store open at {Location}, embeddings {Model} ({Dimensions} dimensions)")]
    private static partial void LogOpened(ILogger logger, string location, string model, int dimensions);
}
