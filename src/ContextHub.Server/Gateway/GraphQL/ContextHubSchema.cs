using System.Text.Json;
using System.Text.Json.Nodes;
using ContextHub.Messaging;
using ContextHub.Protocol;
using ContextHub.Storage.PubSub;
using GraphQL;
using GraphQL.Types;
using ModelContextProtocol.Protocol;

namespace ContextHub.Server.Gateway.GraphQL;

/// <summary>The GraphQL schema of the engine: queries and mutations call it, subscriptions hear it.</summary>
public sealed class ContextHubSchema : Schema
{
    public ContextHubSchema()
    {
        Query = new ContextHubQuery();
        Mutation = new ContextHubMutation();
        Subscription = new ContextHubSubscription();
        RegisterTypeMapping(typeof(JsonNode), typeof(JsonGraphType));

        // Introspection is answered from memory: count it at 1% so tools (GraphiQL, codegen) fit the complexity limit.
        this.WithIntrospectionComplexityImpact(0.01);
    }
}

/// <summary>What a GraphQL request carries to its resolvers: who is calling.</summary>
public sealed class GraphQLUserContext(McpCaller caller) : Dictionary<string, object?>
{
    public McpCaller Caller { get; } = caller;
}

/// <summary>Every resolver reaches the engine here, through the Message Manager: there is no second path to a tool.</summary>
internal static class Engine
{
    /// <summary>Most pages a list query follows, so a cursor that never ends cannot hold a request forever.</summary>
    private const int MaxPages = 1000;

    public static McpCaller Caller(this IResolveFieldContext context) =>
        (context.UserContext as GraphQLUserContext)?.Caller ?? new McpCaller(McpTransportKind.GraphQL);

    public static MessageManager Manager(this IResolveFieldContext context) =>
        context.RequestServices!.GetRequiredService<MessageManager>();

    /// <summary>Runs an MCP method and returns its result as JSON; engine failures become <see cref="McpGraphQLError"/>.</summary>
    public static async Task<JsonElement> CallAsync(IResolveFieldContext context, string method, JsonObject? parameters)
    {
        try
        {
            return await context.Manager().InvokeAsync(method, parameters, context.Caller(), static r => r.ToJsonElement(), context.CancellationToken);
        }
        catch (McpErrorException e)
        {
            throw new McpGraphQLError(e);
        }
    }

    /// <summary>Follows every page of a list method and returns the items of <paramref name="field"/>.</summary>
    public static async Task<List<JsonElement>> ListAsync(IResolveFieldContext context, string method, string field)
    {
        var items = new List<JsonElement>();
        string? cursor = null;
        for (var page = 0; page < MaxPages; page++)
        {
            var result = await CallAsync(context, method, cursor is null ? null : new JsonObject { ["cursor"] = cursor });
            items.AddRange(result.Items(field));
            cursor = result.Text("nextCursor");
            if (string.IsNullOrEmpty(cursor))
            {
                break;
            }
        }

        return items;
    }

    public static async Task<JsonElement?> FindAsync(IResolveFieldContext context, string method, string field, string key, string value)
    {
        foreach (var item in await ListAsync(context, method, field))
        {
            if (item.Text(key) == value)
            {
                return item;
            }
        }

        return null;
    }

    /// <summary>The <c>arguments</c> argument as a JSON object (or null when absent).</summary>
    public static JsonNode? Arguments(this IResolveFieldContext context) =>
        context.GetArgument<object?>("arguments") switch
        {
            null => null,
            JsonNode node => node.DeepClone(),
            var other => JsonGraphType.ToNode(other),
        };
}

public sealed class ContextHubQuery : ObjectGraphType
{
    public ContextHubQuery()
    {
        Name = "Query";
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<ToolGraphType>>>>("tools").Description("Every tool (tools/list, all pages).")
            .ResolveAsync(async ctx => await Engine.ListAsync(ctx, RequestMethods.ToolsList, "tools"));
        Field<ToolGraphType>("tool").Description("One tool by name; null when there is none.")
            .Argument<NonNullGraphType<StringGraphType>>("name", "The tool's name.")
            .ResolveAsync(async ctx => await Engine.FindAsync(ctx, RequestMethods.ToolsList, "tools", "name", ctx.GetArgument<string>("name")));
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<ResourceGraphType>>>>("resources").Description("Every resource (resources/list, all pages).")
            .ResolveAsync(async ctx => await Engine.ListAsync(ctx, RequestMethods.ResourcesList, "resources"));
        Field<ResourceGraphType>("resource").Description("One resource by URI, as listed; null when it is not listed.")
            .Argument<NonNullGraphType<StringGraphType>>("uri", "The resource's URI.")
            .ResolveAsync(async ctx => await Engine.FindAsync(ctx, RequestMethods.ResourcesList, "resources", "uri", ctx.GetArgument<string>("uri")));
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<ResourceTemplateGraphType>>>>("resourceTemplates")
            .Description("Every resource template (resources/templates/list, all pages).")
            .ResolveAsync(async ctx => await Engine.ListAsync(ctx, RequestMethods.ResourcesTemplatesList, "resourceTemplates"));
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<PromptGraphType>>>>("prompts").Description("Every prompt (prompts/list, all pages).")
            .ResolveAsync(async ctx => await Engine.ListAsync(ctx, RequestMethods.PromptsList, "prompts"));
        Field<PromptGraphType>("prompt").Description("One prompt by name, with its arguments; null when there is none.")
            .Argument<NonNullGraphType<StringGraphType>>("name", "The prompt's name.")
            .ResolveAsync(async ctx => await Engine.FindAsync(ctx, RequestMethods.PromptsList, "prompts", "name", ctx.GetArgument<string>("name")));
        this.AddKnowledgeQueries();
        this.AddTaskQueries();
    }
}

public sealed class ContextHubMutation : ObjectGraphType
{
    public ContextHubMutation()
    {
        Name = "Mutation";
        Field<NonNullGraphType<CallToolResultGraphType>>("callTool").Description("Calls a tool (tools/call). A failing tool answers with isError: true.")
            .Argument<NonNullGraphType<StringGraphType>>("name", "The tool's name.")
            .Argument<JsonGraphType>("arguments", "The arguments, an object matching the tool's inputSchema.")
            .ResolveAsync(async ctx => await Engine.CallAsync(ctx, RequestMethods.ToolsCall,
                new JsonObject { ["name"] = ctx.GetArgument<string>("name"), ["arguments"] = ctx.Arguments() ?? new JsonObject() }));
        Field<NonNullGraphType<ReadResourceResultGraphType>>("readResource").Description("Reads a resource (resources/read).")
            .Argument<NonNullGraphType<StringGraphType>>("uri", "The resource's URI.")
            .ResolveAsync(async ctx => await Engine.CallAsync(ctx, RequestMethods.ResourcesRead, new JsonObject { ["uri"] = ctx.GetArgument<string>("uri") }));
        Field<NonNullGraphType<RenderedPromptGraphType>>("renderPrompt").Description("Renders a prompt with its arguments (prompts/get).")
            .Argument<NonNullGraphType<StringGraphType>>("name", "The prompt's name.")
            .Argument<JsonGraphType>("arguments", "The arguments, an object of strings.")
            .ResolveAsync(async ctx => await Engine.CallAsync(ctx, RequestMethods.PromptsGet,
                new JsonObject { ["name"] = ctx.GetArgument<string>("name"), ["arguments"] = ctx.Arguments() ?? new JsonObject() }));
        this.AddKnowledgeMutations();
        this.AddTaskMutations();
    }
}

public sealed class ContextHubSubscription : ObjectGraphType
{
    public ContextHubSubscription()
    {
        Name = "Subscription";
        AddEvent("toolsListChanged", "The list of tools changed.", ServerEventKind.ToolsListChanged);
        AddEvent("promptsListChanged", "The list of prompts changed.", ServerEventKind.PromptsListChanged);
        AddEvent("resourcesListChanged", "The list of resources changed.", ServerEventKind.ResourcesListChanged);
        Field<NonNullGraphType<ServerEventGraphType>>("resourceUpdated").Description("A resource was updated.")
            .Argument<NonNullGraphType<StringGraphType>>("uri", "The resource to watch.")
            .Resolve(ctx => ctx.Source)
            .ResolveStream(ctx =>
            {
                var uri = ctx.GetArgument<string>("uri");
                if (ctx.RequestServices!.GetService<Security.AccessPolicy>() is { } policy && !policy.CanReadResource(ctx.Caller(), uri))
                {
                    throw new McpGraphQLError(Security.AuthorizationFilter.Forbidden("resourceUpdated"));
                }

                return new ServerEventStream(ctx.RequestServices!.GetRequiredService<INotificationBus>(),
                    e => e.Kind == ServerEventKind.ResourceUpdated && e.Uri == uri);
            });
        Field<NonNullGraphType<ServerEventGraphType>>("serverEvents").Description("Every change on the server.")
            .Resolve(ctx => ctx.Source)
            .ResolveStream(ctx => new ServerEventStream(ctx.RequestServices!.GetRequiredService<INotificationBus>(), static _ => true));
        Field<NonNullGraphType<ToolCallEventGraphType>>("callToolWithProgress")
            .Description("Calls a tool (tools/call) and streams its progress, then its result; the stream ends after the result.")
            .Argument<NonNullGraphType<StringGraphType>>("name", "The tool's name.")
            .Argument<JsonGraphType>("arguments", "The arguments, an object matching the tool's inputSchema.")
            .Resolve(ctx => ctx.Source)
            .ResolveStream(ctx => new ToolCallStream(ctx.Manager(), ctx.Caller(), ctx.GetArgument<string>("name"), ctx.Arguments(), ctx.CancellationToken));
        this.AddTaskSubscriptions();
    }

    private void AddEvent(string name, string description, ServerEventKind kind) =>
        Field<NonNullGraphType<ServerEventGraphType>>(name).Description(description)
            .Resolve(ctx => ctx.Source)
            .ResolveStream(ctx => new ServerEventStream(ctx.RequestServices!.GetRequiredService<INotificationBus>(), e => e.Kind == kind));
}
