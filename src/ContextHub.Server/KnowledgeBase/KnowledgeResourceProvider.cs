using ContextHub.Knowledge;
using ContextHub.Knowledge.Filters;
using ContextHub.Messaging;
using ContextHub.Resources;
using ModelContextProtocol.Protocol;

namespace ContextHub.Server.KnowledgeBase;

/// <summary>Knowledge-base documents as MCP resources: <c>kb://documents/{id}</c>, listed and read through the Resource Manager.</summary>
public sealed class KnowledgeResourceProvider(KnowledgeHost knowledge) : IResourceProvider
{
    /// <summary>How many documents a listing names; the rest are reachable through the template and search.</summary>
    public const int MaxListed = 1000;

    public IEnumerable<Resource> ListResources() => [];

    public async ValueTask<IEnumerable<Resource>> ListResourcesAsync(CancellationToken cancellationToken)
    {
        var service = await knowledge.GetServiceAsync(cancellationToken);
        // Documents with access tags are not listed to anyone: a list has no caller; those allowed find them with search.
        var documents = await service.Store.Metadata.FindDocumentsAsync(AccessTags.VisibleTo([]), MaxListed, 0, cancellationToken);
        return documents.Select(d => new Resource
        {
            Uri = d.ResourceUri,
            Name = d.Id,
            Title = string.IsNullOrEmpty(d.Title) ? d.Id : d.Title,
            Description = $"From {d.Source}",
            MimeType = d.MimeType,
        });
    }

    public IEnumerable<ResourceTemplate> ListTemplates() =>
    [
        new ResourceTemplate
        {
            UriTemplate = KnowledgeUris.DocumentPrefix + "{id}",
            Name = "knowledge-document",
            Title = "Knowledge-base document",
            Description = "The full text of a knowledge-base document, by id (the id search returns).",
        },
    ];

    public async ValueTask<ResourceContents[]?> ReadAsync(McpCallContext context, string uri)
    {
        if (KnowledgeUris.TryParseDocument(uri) is not { } id)
        {
            return null;
        }

        var service = await knowledge.GetServiceAsync(context.CancellationToken);
        var document = await service.GetDocumentAsync(id, context.CancellationToken);
        if (document is null || !AccessTags.IsVisible(document.Tags, KnowledgeTools.AccessNames(context)))
        {
            return null;
        }

        var chunks = await service.GetChunksAsync(id, context.CancellationToken);
        return [new TextResourceContents { Uri = uri, MimeType = document.MimeType is "application/pdf" ? "text/plain" : document.MimeType, Text = KnowledgeTools.JoinChunks(chunks) }];
    }

    public async ValueTask<IReadOnlyList<string>?> CompleteAsync(string template, string variable, string prefix,
        IReadOnlyDictionary<string, string> context, CancellationToken cancellationToken)
    {
        if (template != KnowledgeUris.DocumentPrefix + "{id}" || variable != "id")
        {
            return null;
        }

        var service = await knowledge.GetServiceAsync(cancellationToken);
        var documents = await service.Store.Metadata.FindDocumentsAsync(AccessTags.VisibleTo([]), MaxListed, 0, cancellationToken);
        return [.. documents.Select(d => d.Id).Where(i => i.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))];
    }
}
