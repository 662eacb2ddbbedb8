using ContextHub.Storage.PubSub;
using GraphQL.Types;

namespace ContextHub.Server.Gateway.GraphQL;

public sealed class ServerEventKindGraphType : EnumerationGraphType<ServerEventKind>
{
    public ServerEventKindGraphType()
    {
        Name = "ServerEventKind";
        Description = "What changed on the server.";
    }
}

public sealed class ServerEventGraphType : ObjectGraphType<ServerEvent>
{
    public ServerEventGraphType()
    {
        Name = "ServerEvent";
        Description = "A change on the server: a list changed, or a resource was updated.";
        Field<NonNullGraphType<ServerEventKindGraphType>>("kind").Description("What changed.").Resolve(ctx => ctx.Source.Kind);
        Field<StringGraphType>("uri").Description("The updated resource, for RESOURCE_UPDATED.").Resolve(ctx => ctx.Source.Uri);
    }
}
