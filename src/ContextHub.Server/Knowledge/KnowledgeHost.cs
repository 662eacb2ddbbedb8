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
/// Opens the knowledge store when the server starts (and closes it when it stops), binds it to the embedding model,
/// and hands out the <see cref="KnowledgeService"/> every door uses. The store opens in the background — building the
/// in-memory indices of a large store and loading the embedding model take seconds — so the doors answer at once (a
/// desktop client gives a stdio server a few seconds to answer its first message) and whatever needs the store waits
/// for it (<see cref="GetServiceAsync"/>). A store that cannot open (built with another embedding model or dimension,
/// damaged, unreachable) stops the server with exit code 1 and a log line naming the reason.
/// </summary>
public sealed partial class KnowledgeHost : IHostedService, IAsyncDisposable
{
    private readonly KnowledgeServerOptions _options;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly IServiceProvider _services;
    private readonly CancellationTokenSource _stopping = new();
    private Task<KnowledgeService>? _opening;
    private int _disposed;
    private IKnowledgeStore? _store;
    private IEmbeddingGenerator<string, Embedding<float>>? _embedder;

    public KnowledgeHost(IOptions<KnowledgeServerOptions> options, ILoggerFactory loggers, TimeProvider time, IServiceProvider services)
    {
        _options = options.Value;
        _loggers = loggers;
        _logger = loggers.CreateLogger<KnowledgeHost>();
        _time = time;
        _services = services;
    }

    /// <summary>The service, once the store is open; before that, use <see cref="GetServiceAsync"/>.</summary>
    public KnowledgeService Service => _opening is { IsCompletedSuccessfully: true } opened
        ? opened.Result
        : throw new InvalidOperationException("The knowledge store is not open yet.");

    /// <summary>The embedding model the store was opened with (made when the store opens; a local model loads on first use).</summary>
    internal IEmbeddingGenerator<string, Embedding<float>>? Embedder => _embedder;

    /// <summary>The service, when the store has opened; the reason it could not open, if it could not.</summary>
    public Task<KnowledgeService> GetServiceAsync(CancellationToken cancellationToken) =>
        (_opening ?? throw new InvalidOperationException("The knowledge store is not open (the server has not started)."))
            .WaitAsync(cancellationToken);

    /// <summary>
    /// For background parts that need the store: the service once open, or null when it could not open (the host has
    /// logged why and is stopping the server).
    /// </summary>
    public async Task<KnowledgeService?> TryGetServiceAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await GetServiceAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>Starts opening the store and returns without waiting for it.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_opening is null)
        {
            _opening = Task.Run(() => OpenAsync(_stopping.Token), CancellationToken.None);
            _ = StopOnFailureAsync(_opening);
        }

        return Task.CompletedTask;
    }

    private async Task<KnowledgeService> OpenAsync(CancellationToken cancellationToken)
    {
        var folder = Path.GetFullPath(_options.DataFolder);
        _embedder = CreateEmbedder(_options.Embeddings, _loggers, _time);
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
        LogOpened(_logger, folder, model.ModelId, model.Dimensions);
        return service;
    }

    private async Task StopOnFailureAsync(Task opening)
    {
        try
        {
            await opening;
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // stopped while opening
        }
        catch (Exception e)
        {
            LogOpenFailed(_logger, e.Message, e);
            if (_services.GetService<IHostApplicationLifetime>() is { } lifetime)
            {
                Environment.ExitCode = 1;
                lifetime.StopApplication();
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        // Both the container and a command that holds the host itself dispose it.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stopping.CancelAsync();
        if (_opening is { } opening)
        {
            await ((Task)opening).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _stopping.Dispose();
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        (_embedder as IDisposable)?.Dispose();
    }

    private static IEmbeddingGenerator<string, Embedding<float>> CreateEmbedder(KnowledgeEmbeddingOptions options, ILoggerFactory loggers, TimeProvider time) => options.Provider switch
    {
        "Hashing" => new HashingEmbeddingGenerator(options.Dimensions),
        "OpenAI" => new OpenAI.OpenAIClient(new System.ClientModel.ApiKeyCredential(options.ApiKey ?? "unused"),
                new OpenAI.OpenAIClientOptions { Endpoint = new Uri(options.Endpoint!) })
            .GetEmbeddingClient(options.Model!)
            .AsIEmbeddingGenerator(),
        _ => new MiniLMEmbeddingGenerator(options.MiniLM, loggers.CreateLogger<MiniLMEmbeddingGenerator>(), time), // loads the model on first use
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Knowledge store open at {Location}, embeddings {Model} ({Dimensions} dimensions)")]
    private static partial void LogOpened(ILogger logger, string location, string model, int dimensions);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The knowledge store could not open, so the server stops: {Reason}")]
    private static partial void LogOpenFailed(ILogger logger, string reason, Exception exception);
}
