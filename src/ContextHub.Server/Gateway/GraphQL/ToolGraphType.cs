using System.Text.Json;
using GraphQL.Types;

namespace ContextHub.Server.Gateway.GraphQL;

public sealed class ToolGraphType : ObjectGraphType<JsonElement>
{
    public ToolGraphType()
    {
        Name = "Tool";
        Description = "A tool the server offers.";
        this.Str("name", "The tool's unique name.", nonNull: true);
        this.Str("title", "A human-readable title.");
        this.Str("description", "What the tool does.");
        this.Json("inputSchema", "JSON Schema of the arguments.", nonNull: true);
        this.Json("outputSchema", "JSON Schema of the structured result, when the tool declares one.");
        this.Json("annotations", "Hints about the tool's behaviour (read-only, destructive, …).");
    }
}
