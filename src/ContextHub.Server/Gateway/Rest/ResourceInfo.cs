using System.ComponentModel;

namespace ContextHub.Server.Gateway.Rest;

/// <summary>A resource as listed by the engine.</summary>
[Description("A resource the server can read.")]
public sealed record ResourceInfo(
    [property: Description("The resource's URI; read it with GET /resources/read?uri=.")] string Uri,
    string Name,
    string? Title,
    string? Description,
    string? MimeType,
    [property: Description("Size in bytes, when known.")] long? Size);

/// <summary>One page of resources.</summary>
[Description("One page of resources.")]
public sealed record ResourcePage(
    IReadOnlyList<ResourceInfo> Resources,
    [property: Description("Pass as ?cursor= to get the next page; absent on the last page.")] string? NextCursor);
