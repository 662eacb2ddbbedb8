using System.Text.Json.Nodes;
using ContextHub.Messaging;
using ContextHub.Protocol;
using ContextHub.Service;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Protocol;

namespace ContextHub.Resources;

/// <summary>Lists, reads (through the Resource Cache) and completes resources from every provider.</summary>
public sealed class ResourceManager
{
    private readonly List<IResourceProvider> _providers;
    private readonly ResourceCache _cache;
    private readonly int _pageSize;

    public ResourceManager(IEnumerable<IResourceProvider> providers, CodeResourceProvider code, ResourceCache cache, IOptions<McpServerOptions> options)
    {
        _providers = [code, .. providers.Where(p => !ReferenceEquals(p, code))];
        _cache = cache;
        _pageSize = options.Value.PageSize;
    }

    /// <summary>The provider for resources defined in code.</summary>
    public CodeResourceProvider Code => (CodeResourceProvider)_providers[0];

    public IReadOnlyList<IResourceProvider> Providers => _providers;

    /// <summary>One page of the resources whose URI <paramref name="visible"/> accepts (all when null).</summary>
    public async ValueTask<ListResourcesResult> ListAsync(string? cursor, Func<string, bool>? visible = null, CancellationToken cancellationToken = default)
    {
        var all = new List<Resource>();
        foreach (var provider in _providers)
        {
            all.AddRange(await provider.ListResourcesAsync(cancellationToken));
        }

        all.Sort(static (a, b) => string.CompareOrdinal(a.Uri, b.Uri));
        var (page, next) = Pagination.Page(all, static r => r.Uri, cursor, _pageSize, visible);
        return new ListResourcesResult { Resources = page, NextCursor = next };
    }

    /// <summary>One page of the resource templates whose URI template <paramref name="visible"/> accepts (all when null).</summary>
    public ListResourceTemplatesResult ListTemplates(string? cursor, Func<string, bool>? visible = null)
    {
        var all = _providers.SelectMany(p => p.ListTemplates()).OrderBy(t => t.UriTemplate, StringComparer.Ordinal).ToList();
        var (page, next) = Pagination.Page(all, static t => t.UriTemplate, cursor, _pageSize, visible);
        return new ListResourceTemplatesResult { ResourceTemplates = page, NextCursor = next };
    }

    public async ValueTask<ReadResourceResult> ReadAsync(McpCallContext context, string uri) =>
        new() { Contents = (await ReadWithTagAsync(context, uri)).Contents };

    /// <summary>Reads a resource and returns the cache's tag for it (null when it was not cacheable).</summary>
    public async ValueTask<(ResourceContents[] Contents, string? Tag)> ReadWithTagAsync(McpCallContext context, string uri)
    {
        if (!System.Uri.TryCreate(uri, UriKind.Absolute, out _))
        {
            throw McpErrorException.InvalidParams($"'{uri}' is not an absolute URI", "uri");
        }

        foreach (var provider in _providers)
        {
            var (contents, tag) = provider.Cacheable
                ? await _cache.GetOrReadAsync(uri, () => provider.ReadAsync(context, uri), context.CancellationToken)
                : (await provider.ReadAsync(context, uri), null);
            if (contents is not null)
            {
                return (contents, tag);
            }
        }

        throw McpErrorException.NotFound($"Resource not found: {uri}", "uri", McpProtocol.ResourceNotFoundCode(context.Request.ProtocolVersion),
            new JsonObject { ["uri"] = uri });
    }

    public async ValueTask<Completion> CompleteAsync(string template, string variable, string prefix,
        IDictionary<string, string> context, CancellationToken cancellationToken)
    {
        var readOnly = new Dictionary<string, string>(context, StringComparer.Ordinal);
        foreach (var provider in _providers)
        {
            if (await provider.CompleteAsync(template, variable, prefix, readOnly, cancellationToken) is { } values)
            {
                return Completions.From(values);
            }
        }

        throw McpErrorException.InvalidParams($"Unknown resource template: '{template}'", "ref.uri");
    }
}
