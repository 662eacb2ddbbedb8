using System.ComponentModel;

namespace ContextHub.Server.Gateway.Rest;

/// <summary>One part of a resource: text or base64 data.</summary>
[Description("One part of a resource's contents: text, or base64-encoded bytes in blob.")]
public sealed record ResourceContent(
    string Uri,
    string? MimeType,
    [property: Description("The contents as text.")] string? Text,
    [property: Description("The contents as base64-encoded bytes.")] string? Blob);

/// <summary>What reading a resource returns.</summary>
[Description("The contents of a resource.")]
public sealed record ResourceReadResult(IReadOnlyList<ResourceContent> Contents);
