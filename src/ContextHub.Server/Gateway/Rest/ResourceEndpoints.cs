using System.ComponentModel;
using System.IO.Hashing;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Net.Http.Headers;

namespace ContextHub.Server.Gateway.Rest;

/// <summary>
/// <c>/resources</c>: list, list templates and read (MCP <c>resources/list</c>, <c>resources/templates/list</c>,
/// <c>resources/read</c>). A read carries an ETag computed from its contents and answers 304 to a matching If-None-Match.
/// </summary>
internal static class ResourceEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var resources = api.MapGroup("/resources").WithTags("Resources");

        resources.MapGet("", ListAsync)
            .WithName("ListResources")
            .WithSummary("List resources")
            .WithDescription("One page of the resources the server can read, sorted by URI. Follow nextCursor (or the Link header) for the next page.")
            .Produces<ResourcePage>()
            .ProducesProblems(StatusCodes.Status400BadRequest);

        resources.MapGet("/templates", ListTemplatesAsync)
            .WithName("ListResourceTemplates")
            .WithSummary("List resource templates")
            .WithDescription("One page of the URI templates (RFC 6570) that name families of resources.")
            .Produces<ResourceTemplatePage>()
            .ProducesProblems(StatusCodes.Status400BadRequest);

        resources.MapGet("/read", ReadAsync)
            .WithName("ReadResource")
            .WithSummary("Read a resource")
            .WithDescription("The contents of the resource at uri. The response has an ETag; send it back in If-None-Match to get 304 Not Modified "
                + "while the contents are unchanged.")
            .RequireQueryParameter("uri")
            .Produces<ResourceReadResult>()
            .Produces(StatusCodes.Status304NotModified)
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
    }

    private static async Task<IResult> ListAsync(HttpContext context, [Description("A nextCursor from an earlier page.")] string? cursor)
    {
        var page = await RestRequests.InvokeAsync(context, "resources/list", RestRequests.CursorParams(cursor), RestJsonContext.Default.ResourcePage);
        RestRequests.AddNextLink(context, page.NextCursor);
        return TypedResults.Json(page, RestJsonContext.Default.ResourcePage);
    }

    private static async Task<IResult> ListTemplatesAsync(HttpContext context, [Description("A nextCursor from an earlier page.")] string? cursor)
    {
        var page = await RestRequests.InvokeAsync(context, "resources/templates/list", RestRequests.CursorParams(cursor),
            RestJsonContext.Default.ResourceTemplatePage);
        RestRequests.AddNextLink(context, page.NextCursor);
        return TypedResults.Json(page, RestJsonContext.Default.ResourceTemplatePage);
    }

    private static async Task<IResult> ReadAsync(HttpContext context, [Description("The resource's URI, e.g. res://samples/README.md.")] string? uri)
    {
        var parameters = uri is null ? null : new JsonObject { ["uri"] = uri };
        var body = await RestRequests.InvokeAsync(context, "resources/read", parameters,
            result => JsonSerializer.SerializeToUtf8Bytes(RestRequests.Reshape(result, RestJsonContext.Default.ResourceReadResult),
                RestJsonContext.Default.ResourceReadResult));

        // The tag is a hash of what the client would receive, so the read still goes through the Message Manager every time.
        var etag = new EntityTagHeaderValue("\"" + Convert.ToHexStringLower(XxHash64.Hash(body)) + "\"");
        var headers = context.Response.GetTypedHeaders();
        headers.ETag = etag;
        headers.CacheControl = new CacheControlHeaderValue { NoCache = true };
        return Matches(context.Request.GetTypedHeaders().IfNoneMatch, etag)
            ? TypedResults.StatusCode(StatusCodes.Status304NotModified)
            : TypedResults.Bytes(body, "application/json");
    }

    /// <summary>If-None-Match uses the weak comparison (RFC 9110 13.1.2); <c>*</c> matches any current representation.</summary>
    private static bool Matches(IList<EntityTagHeaderValue> ifNoneMatch, EntityTagHeaderValue etag)
    {
        foreach (var candidate in ifNoneMatch)
        {
            if (candidate.Equals(EntityTagHeaderValue.Any) || candidate.Compare(etag, useStrongComparison: false))
            {
                return true;
            }
        }

        return false;
    }
}
