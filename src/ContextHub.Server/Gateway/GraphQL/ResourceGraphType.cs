using System.Text.Json;
using GraphQL.Types;

namespace ContextHub.Server.Gateway.GraphQL;

public sealed class ResourceGraphType : ObjectGraphType<JsonElement>
{
    public ResourceGraphType()
    {
        Name = "Resource";
        Description = "A resource the server can read.";
        this.Str("uri", "The resource's URI.", nonNull: true);
        this.Str("name", "The resource's name.", nonNull: true);
        this.Str("title", "A human-readable title.");
        this.Str("description", "What the resource holds.");
        this.Str("mimeType", "The MIME type of its contents.");
        Field<FloatGraphType>("size").Description("Size in bytes, when known.")
            .Resolve(ctx => ctx.Source.Get("size") is { ValueKind: JsonValueKind.Number } size ? size.GetDouble() : null);
    }
}
