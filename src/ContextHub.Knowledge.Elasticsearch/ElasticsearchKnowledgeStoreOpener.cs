using ContextHub.Knowledge.Indexes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ContextHub.Knowledge.Elasticsearch;

/// <summary>Opens the Elasticsearch store with the bound <see cref="ElasticsearchStoreOptions"/>.</summary>
public sealed class ElasticsearchKnowledgeStoreOpener(IOptions<ElasticsearchStoreOptions> options, ILogger<ElasticsearchKnowledgeStore> logger) : IKnowledgeStoreOpener
{
    public string Location => options.Value.Url ?? "";

    public async Task<IKnowledgeStore> OpenAsync(CancellationToken cancellationToken) =>
        await ElasticsearchKnowledgeStore.OpenAsync(options.Value, logger, cancellationToken);
}
