using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using ContextHub.Protocol;

namespace ContextHub.Server.Gateway.Rest;

/// <summary>
/// <c>/prompts</c>: list, describe and render prompts (MCP <c>prompts/list</c>, <c>prompts/get</c>); <c>/completions</c>:
/// suggestions for prompt arguments and resource template variables (MCP <c>completion/complete</c>).
/// </summary>
internal static class PromptEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var prompts = api.MapGroup("/prompts").WithTags("Prompts");

        prompts.MapGet("", ListAsync)
            .WithName("ListPrompts")
            .WithSummary("List prompts")
            .WithDescription("One page of the prompt templates the server offers, sorted by name. Follow nextCursor (or the Link header) for the next page.")
            .Produces<PromptPage>()
            .ProducesProblems(StatusCodes.Status400BadRequest);

        prompts.MapGet("/{name}", DescribeAsync)
            .WithName("GetPrompt")
            .WithSummary("Describe a prompt")
            .WithDescription("The prompt's title, description and arguments.")
            .Produces<PromptInfo>()
            .ProducesProblems(StatusCodes.Status404NotFound);

        prompts.MapPost("/{name}/render", RenderAsync)
            .WithName("RenderPrompt")
            .WithSummary("Render a prompt")
            .WithDescription("Fills the prompt template with the arguments in the body and returns the messages to send to a model.")
            .AcceptsJson<Dictionary<string, string>>("The prompt's arguments by name (strings). An empty body means no arguments.", required: false)
            .Produces<PromptRenderResult>()
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status413PayloadTooLarge,
                StatusCodes.Status415UnsupportedMediaType);

        api.MapPost("/completions", (Func<HttpContext, Task<IResult>>)CompleteAsync)
            .WithTags("Completions")
            .WithName("Complete")
            .WithSummary("Complete an argument")
            .WithDescription("Suggests values for a prompt's argument or a resource template's variable, from what has been typed so far.")
            .AcceptsJson<CompletionRequest>("What to complete.", required: true)
            .Produces<CompletionResult>()
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status413PayloadTooLarge,
                StatusCodes.Status415UnsupportedMediaType);
    }

    private static async Task<IResult> ListAsync(HttpContext context, [Description("A nextCursor from an earlier page.")] string? cursor)
    {
        var page = await RestRequests.InvokeAsync(context, "prompts/list", RestRequests.CursorParams(cursor), RestJsonContext.Default.PromptPage);
        RestRequests.AddNextLink(context, page.NextCursor);
        return TypedResults.Json(page, RestJsonContext.Default.PromptPage);
    }

    private static async Task<IResult> DescribeAsync(HttpContext context, [Description("The prompt's name.")] string name)
    {
        var found = await RestRequests.FindByNameAsync(context, "prompts/list", RestJsonContext.Default.PromptPage, p => p.Prompts, i => i.Name,
            p => p.NextCursor, name, "prompt");
        return TypedResults.Json(found, RestJsonContext.Default.PromptInfo);
    }

    private static async Task<IResult> RenderAsync(HttpContext context, [Description("The prompt's name.")] string name)
    {
        var arguments = await RestRequests.ReadJsonBodyAsync(context);
        var parameters = new JsonObject { ["name"] = name };
        if (arguments is not null)
        {
            parameters["arguments"] = arguments;
        }

        var result = await RestRequests.InvokeAsync(context, "prompts/get", parameters, RestJsonContext.Default.PromptRenderResult);
        return TypedResults.Json(result, RestJsonContext.Default.PromptRenderResult);
    }

    private static async Task<IResult> CompleteAsync(HttpContext context)
    {
        var request = await RestRequests.ReadBodyAsync(context, RestJsonContext.Default.CompletionRequest);
        if (request?.Ref is null || request.Argument is null)
        {
            throw McpErrorException.InvalidParams("is required", request?.Ref is null ? "ref" : "argument");
        }

        // Only the fields of a completion request reach the engine (no _meta or other extras from the body).
        var parameters = JsonSerializer.SerializeToNode(request, RestJsonContext.Default.CompletionRequest)!.AsObject();
        var result = await RestRequests.InvokeAsync(context, "completion/complete", parameters, RestJsonContext.Default.CompleteEnvelope);
        return TypedResults.Json(result.Completion, RestJsonContext.Default.CompletionResult);
    }
}
