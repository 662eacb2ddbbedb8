using System.ComponentModel;

namespace ContextHub.Server.Gateway.Rest;

/// <summary>A resource template (RFC 6570).</summary>
[Description("A family of resources named by an RFC 6570 URI template.")]
public sealed record ResourceTemplateInfo(
    string UriTemplate,
    string Name,
    string? Title,
    string? Description,
    string? MimeType);

/// <summary>One page of resource templates.</summary>
[Description("One page of resource templates.")]
public sealed record ResourceTemplatePage(
    IReadOnlyList<ResourceTemplateInfo> ResourceTemplates,
    [property: Description("Pass as ?cursor= to get the next page; absent on the last page.")] string? NextCursor);
