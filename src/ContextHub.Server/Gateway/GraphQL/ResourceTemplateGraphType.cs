using System.Text.Json;
using GraphQL.Types;

namespace ContextHub.Server.Gateway.GraphQL;

public sealed class ResourceTemplateGraphType : ObjectGraphType<JsonElement>
{
    public ResourceTemplateGraphType()
    {
        Name = "ResourceTemplate";
        Description = "A family of resources named by a URI template (RFC 6570).";
        this.Str("uriTemplate", "The URI template.", nonNull: true);
        this.Str("name", "The template's name.", nonNull: true);
        this.Str("title", "A human-readable title.");
        this.Str("description", "What the resources hold.");
        this.Str("mimeType", "The MIME type of their contents.");
    }
}
