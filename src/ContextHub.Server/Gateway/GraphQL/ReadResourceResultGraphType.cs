using System.Text.Json;
using GraphQL.Types;

namespace ContextHub.Server.Gateway.GraphQL;

public sealed class ResourceContentsGraphType : ObjectGraphType<JsonElement>
{
    public ResourceContentsGraphType()
    {
        Name = "ResourceContents";
        Description = "The contents of a resource: text, or base64 bytes in blob.";
        this.Str("uri", "The resource's URI.", nonNull: true);
        this.Str("mimeType", "The MIME type.");
        this.Str("text", "The text, for text resources.");
        this.Str("blob", "Base64 bytes, for binary resources.");
    }
}

public sealed class ReadResourceResultGraphType : ObjectGraphType<JsonElement>
{
    public ReadResourceResultGraphType()
    {
        Name = "ReadResourceResult";
        Description = "What reading a resource returned.";
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<ResourceContentsGraphType>>>>("contents").Description("One entry per resource read.")
            .Resolve(ctx => ctx.Source.Items("contents").ToList());
    }
}
