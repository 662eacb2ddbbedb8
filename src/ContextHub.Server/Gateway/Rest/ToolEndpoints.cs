using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ContextHub.Server.Gateway.Rest;

/// <summary><c>/tools</c>: list, describe and call tools (MCP <c>tools/list</c> and <c>tools/call</c>).</summary>
internal static class ToolEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var tools = api.MapGroup("/tools").WithTags("Tools");

        tools.MapGet("", ListAsync)
            .WithName("ListTools")
            .WithSummary("List tools")
            .WithDescription("One page of the tools the server offers, sorted by name. Follow nextCursor (or the Link header) for the next page.")
            .Produces<ToolPage>()
            .ProducesProblems(StatusCodes.Status400BadRequest);

        tools.MapGet("/{name}", DescribeAsync)
            .WithName("GetTool")
            .WithSummary("Describe a tool")
            .WithDescription("The tool's title, description, input schema, output schema and annotations.")
            .Produces<ToolInfo>()
            .ProducesProblems(StatusCodes.Status404NotFound);

        tools.MapPost("/{name}/call", CallAsync)
            .WithName("CallTool")
            .WithSummary("Call a tool")
            .WithDescription("Runs the tool with the body as its arguments (checked against the tool's input schema). "
                + "A tool that fails answers 200 with isError: true; a request the engine refuses answers a problem. "
                + "With ?task=true (or Prefer: respond-async) a tool that supports tasks starts in the background and answers 202 "
                + "with a Location to /tasks/{id}; a tool that runs only as a task needs it.")
            .AcceptsJson<Dictionary<string, JsonElement>>("The tool's arguments, an object matching its inputSchema. An empty body means no arguments.", required: false)
            .Produces<ToolCallResult>()
            .Produces<TaskInfo>(StatusCodes.Status202Accepted)
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status413PayloadTooLarge,
                StatusCodes.Status415UnsupportedMediaType);
    }

    private static async Task<IResult> ListAsync(HttpContext context, [Description("A nextCursor from an earlier page.")] string? cursor)
    {
        var page = await RestRequests.InvokeAsync(context, "tools/list", RestRequests.CursorParams(cursor), RestJsonContext.Default.ToolPage);
        RestRequests.AddNextLink(context, page.NextCursor);
        return TypedResults.Json(page, RestJsonContext.Default.ToolPage);
    }

    private static async Task<IResult> DescribeAsync(HttpContext context, [Description("The tool's name.")] string name)
    {
        var found = await RestRequests.FindByNameAsync(context, "tools/list", RestJsonContext.Default.ToolPage, p => p.Tools, i => i.Name,
            p => p.NextCursor, name, "tool");
        return TypedResults.Json(found, RestJsonContext.Default.ToolInfo);
    }

    private static async Task<IResult> CallAsync(HttpContext context, [Description("The tool's name.")] string name)
    {
        var arguments = await RestRequests.ReadJsonBodyAsync(context);
        var parameters = new JsonObject { ["name"] = name };
        if (arguments is not null)
        {
            parameters["arguments"] = arguments;
        }

        if (TaskEndpoints.Wanted(context))
        {
            var answer = await RestRequests.InvokeAsync(context, "tools/call", parameters, r => r.ToJsonElement(), TaskEndpoints.Capabilities());
            return answer.TryGetProperty("resultType", out var type) && type.ValueEquals("task")
                ? TaskEndpoints.Accepted(context, answer)
                : TypedResults.Json(JsonSerializer.Deserialize(answer, RestJsonContext.Default.ToolCallResult)!, RestJsonContext.Default.ToolCallResult);
        }

        var result = await RestRequests.InvokeAsync(context, "tools/call", parameters, RestJsonContext.Default.ToolCallResult);
        return TypedResults.Json(result, RestJsonContext.Default.ToolCallResult);
    }
}
