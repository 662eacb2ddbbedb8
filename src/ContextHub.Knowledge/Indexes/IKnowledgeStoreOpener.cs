namespace ContextHub.Knowledge.Indexes;

/// <summary>
/// Opens the configured backend's store; each backend registers one (<c>AddEmbeddedKnowledgeStore</c>,
/// <c>AddElasticsearchKnowledgeStore</c>) and the host opens it when it starts.
/// </summary>
public interface IKnowledgeStoreOpener
{
    /// <summary>Where the store lives (a file or a cluster's address), for log lines.</summary>
    string Location { get; }

    /// <summary>Opens (creating when missing) the store and loads whatever it keeps in memory.</summary>
    Task<IKnowledgeStore> OpenAsync(CancellationToken cancellationToken);
}
