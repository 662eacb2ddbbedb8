using ContextHub.Messaging;
using ModelContextProtocol.Protocol;

namespace ContextHub.Resources;

/// <summary>
/// A source of resources (a folder, the knowledge store, code). The Resource Manager asks each provider in turn;
/// a provider answers null for a URI it does not own.
/// </summary>
public interface IResourceProvider
{
    /// <summary>The concrete resources it can list now.</summary>
    IEnumerable<Resource> ListResources();

    /// <summary>The concrete resources, for providers whose listing needs I/O (a database, a remote index).</summary>
    ValueTask<IEnumerable<Resource>> ListResourcesAsync(CancellationToken cancellationToken) => ValueTask.FromResult(ListResources());

    /// <summary>The URI templates it answers.</summary>
    IEnumerable<ResourceTemplate> ListTemplates();

    /// <summary>Reads <paramref name="uri"/>, or returns null when the URI is not this provider's.</summary>
    ValueTask<ResourceContents[]?> ReadAsync(McpCallContext context, string uri);

    /// <summary>Values for a template variable that start with <paramref name="prefix"/>; null when the template is not this provider's.</summary>
    ValueTask<IReadOnlyList<string>?> CompleteAsync(string template, string variable, string prefix,
        IReadOnlyDictionary<string, string> context, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<string>?>(null);

    /// <summary>Whether reads may be served from the Resource Cache (invalidated by the provider's change events).</summary>
    bool Cacheable => false;
}
