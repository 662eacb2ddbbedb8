using ContextHub.Knowledge;
using ContextHub.Knowledge.Indexes;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace ContextHub.Server.KnowledgeBase;

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
    private readonly IKnowledgeStoreOpener _opener;
    private readonly IEmbeddingGenerator<string, Embedding<float>> _embedder;
    private readonly KnowledgeOptions _options;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly IServiceProvider _services;
    private readonly CancellationTokenSource _stopping = new();
    private Task<KnowledgeService>? _opening;
    private int _disposed;
    private IKnowledgeStore? _store;

    /// <summary>
    /// A host for the store <paramref name="opener"/> opens (the configured backend's) and the configured embedding
    /// model; both are registered by <see cref="KnowledgeRegistration.AddKnowledgeStore"/>.
    /// </summary>
    public KnowledgeHost(IKnowledgeStoreOpener opener, IEmbeddingGenerator<string, Embedding<float>> embedder, IOptions<KnowledgeOptions> options,
        ILoggerFactory loggers, TimeProvider time, IServiceProvider services)
    {
        _opener = opener;
        _embedder = embedder;
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

    /// <summary>The embedding model the store is opened with (a local model loads on first use).</summary>
    internal IEmbeddingGenerator<string, Embedding<float>> Embedder => _embedder;

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
        _store = await _opener.OpenAsync(cancellationToken);
        // A provider with variants of its model (the local model's float and 8-bit weights) follows the store's, when not chosen.
        _services.GetService<IStoredModelMatcher>()?.MatchStore(_store.EmbeddingModel?.ModelId);
        var service = new KnowledgeService(_store, _embedder, _options, logger: _loggers.CreateLogger<KnowledgeService>(), timeProvider: _time);
        var model = await service.InitializeAsync(cancellationToken);
        LogOpened(_logger, _opener.Location, model.ModelId, model.Dimensions);
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

    /// <summary>
    /// A stop while the store still opens ends the opening (parts that wait for the store, such as the tool-call
    /// recorder holding calls made meanwhile, stop before this one and have waited for it as long as the host allows).
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_opening is { IsCompleted: false } && Volatile.Read(ref _disposed) == 0)
        {
            await _stopping.CancelAsync();
        }
    }

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
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Knowledge store open at {Location}, embeddings {Model} ({Dimensions} dimensions)")]
    private static partial void LogOpened(ILogger logger, string location, string model, int dimensions);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The knowledge store could not open, so the server stops: {Reason}")]
    private static partial void LogOpenFailed(ILogger logger, string reason, Exception exception);
}
