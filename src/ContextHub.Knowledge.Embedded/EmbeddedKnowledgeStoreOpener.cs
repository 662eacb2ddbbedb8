using ContextHub.Knowledge.Indexes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ContextHub.Knowledge.Embedded;

/// <summary>Opens the embedded store with the bound <see cref="EmbeddedStoreOptions"/>.</summary>
public sealed class EmbeddedKnowledgeStoreOpener(IOptions<EmbeddedStoreOptions> options, ILogger<EmbeddedKnowledgeStore> logger) : IKnowledgeStoreOpener
{
    public string Location => options.Value.DatabasePath;

    public async Task<IKnowledgeStore> OpenAsync(CancellationToken cancellationToken) =>
        await EmbeddedKnowledgeStore.OpenAsync(options.Value, logger, cancellationToken);
}
