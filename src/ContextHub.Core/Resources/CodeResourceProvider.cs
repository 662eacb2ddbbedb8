using System.Collections.Concurrent;
using ContextHub.Messaging;
using ModelContextProtocol.Protocol;

namespace ContextHub.Resources;

/// <summary>Resources and templates whose contents come from code (a delegate per resource or template).</summary>
public sealed class CodeResourceProvider : IResourceProvider
{
    public delegate ValueTask<ResourceContents[]> ReadResource(McpCallContext context, string uri);

    public delegate ValueTask<ResourceContents[]> ReadTemplate(McpCallContext context, string uri, IReadOnlyDictionary<string, string> variables);

    public delegate IReadOnlyList<string> CompleteTemplate(string variable, string prefix, IReadOnlyDictionary<string, string> context);

    private readonly ConcurrentDictionary<string, (Resource Resource, ReadResource Read)> _resources = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (ResourceTemplate Template, UriTemplate Matcher, ReadTemplate Read, CompleteTemplate? Complete)> _templates = new(StringComparer.Ordinal);

    public void Add(Resource resource, ReadResource read) => _resources[resource.Uri] = (resource, read);

    public void Add(ResourceTemplate template, ReadTemplate read, CompleteTemplate? complete = null) =>
        _templates[template.UriTemplate] = (template, new UriTemplate(template.UriTemplate), read, complete);

    public IEnumerable<Resource> ListResources() => _resources.Values.Select(r => r.Resource);

    public IEnumerable<ResourceTemplate> ListTemplates() => _templates.Values.Select(t => t.Template);

    public async ValueTask<ResourceContents[]?> ReadAsync(McpCallContext context, string uri)
    {
        if (_resources.TryGetValue(uri, out var resource))
        {
            return await resource.Read(context, uri);
        }

        foreach (var template in _templates.Values)
        {
            if (template.Matcher.Match(uri) is { } variables)
            {
                return await template.Read(context, uri, variables);
            }
        }

        return null;
    }

    public ValueTask<IReadOnlyList<string>?> CompleteAsync(string template, string variable, string prefix,
        IReadOnlyDictionary<string, string> context, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_templates.TryGetValue(template, out var entry)
            ? entry.Complete?.Invoke(variable, prefix, context) ?? []
            : (IReadOnlyList<string>?)null);
}
