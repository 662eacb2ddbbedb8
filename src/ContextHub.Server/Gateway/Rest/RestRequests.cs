using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using ContextHub.Messaging;
using ContextHub.Protocol;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace ContextHub.Server.Gateway.Rest;

/// <summary>
/// How REST endpoints reach the engine and read their bodies. Every call goes through the <see cref="MessageManager"/>
/// with <see cref="DoorInvocation.InvokeAsync"/>: there is no second path to a tool.
/// </summary>
internal static class RestRequests
{
    /// <summary>The REST door lists a caller's tasks (GET /tasks), which the stateless revision it speaks has no method for.</summary>
    private const McpDoorFeatures Features = McpDoorFeatures.StatelessTaskList;

    /// <summary>Runs an MCP method for this HTTP request and reshapes its result into <paramref name="typeInfo"/>.</summary>
    public static Task<T> InvokeAsync<T>(HttpContext context, string method, JsonObject? parameters, JsonTypeInfo<T> typeInfo) =>
        InvokeAsync(context, method, parameters, result => Reshape(result, typeInfo));

    /// <summary>
    /// Runs an MCP method for this HTTP request as its authenticated caller; <paramref name="project"/> sees the result
    /// while the request is alive.
    /// </summary>
    public static Task<T> InvokeAsync<T>(HttpContext context, string method, JsonObject? parameters, Func<McpResult, T> project,
        JsonObject? clientCapabilities = null) =>
        context.RequestServices.GetRequiredService<MessageManager>().InvokeAsync(method, parameters,
            Security.HttpCallerExtensions.GetCaller(context, McpTransportKind.Rest), project, context.RequestAborted,
            clientCapabilities: clientCapabilities, doorFeatures: Features);

    /// <summary>Reads an engine result (MCP wire names) into a REST body; fields the body does not have are left out.</summary>
    public static T Reshape<T>(McpResult result, JsonTypeInfo<T> typeInfo)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            result.WriteTo(writer);
        }

        return JsonSerializer.Deserialize(buffer.WrittenSpan, typeInfo)
            ?? throw new JsonException($"The engine's result is not a {typeof(T).Name}.");
    }

    /// <summary>MCP params with a cursor when the client sent one.</summary>
    /// <summary>
    /// Finds one item by name, walking a list method's pages (MCP has no method that fetches a single tool or prompt);
    /// an unknown name is the engine's not-found error.
    /// </summary>
    public static async Task<TItem> FindByNameAsync<TPage, TItem>(HttpContext context, string method, JsonTypeInfo<TPage> pageInfo,
        Func<TPage, IEnumerable<TItem>> items, Func<TItem, string> nameOf, Func<TPage, string?> nextCursor, string name, string kind)
    {
        string? cursor = null;
        do
        {
            var page = await InvokeAsync(context, method, CursorParams(cursor), pageInfo);
            foreach (var item in items(page))
            {
                if (nameOf(item) == name)
                {
                    return item;
                }
            }

            cursor = nextCursor(page);
        }
        while (cursor is not null);

        throw McpErrorException.NotFound($"Unknown {kind}: '{name}'", "name");
    }

    public static JsonObject? CursorParams(string? cursor) => cursor is null ? null : new JsonObject { ["cursor"] = cursor };

    /// <summary>Adds <c>Link: &lt;…?cursor=…&gt;; rel="next"</c> when there is a next page.</summary>
    public static void AddNextLink(HttpContext context, string? nextCursor)
    {
        if (nextCursor is null)
        {
            return;
        }

        var request = context.Request;
        context.Response.Headers.Append(HeaderNames.Link,
            $"<{request.PathBase}{request.Path}?cursor={Uri.EscapeDataString(nextCursor)}>; rel=\"next\"");
    }

    /// <summary>
    /// Reads a JSON body within <c>ContextHub:Gateway:MaxRequestBodyBytes</c>: 415 for another media type, 413 over the
    /// limit (from Content-Length before reading, or while reading), 400 for malformed JSON. An empty body is null.
    /// </summary>
    public static async Task<JsonNode?> ReadJsonBodyAsync(HttpContext context)
    {
        var request = context.Request;
        var hasBody = HasBody(context);
        if (request.ContentType is { Length: > 0 } contentType ? !IsJson(contentType) : hasBody)
        {
            throw new RestRejectedException(RestProblems.UnsupportedMediaType,
                $"Send the body as JSON (Content-Type: application/json), not '{request.ContentType}'.");
        }

        var max = LimitBody(context);
        if (!hasBody)
        {
            return null;
        }

        var reader = request.BodyReader;
        ReadResult read;
        try
        {
            read = await reader.ReadAtLeastAsync((int)Math.Min(max + 1, int.MaxValue), context.RequestAborted);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw TooLarge(max);
        }

        try
        {
            if (read.Buffer.Length > max)
            {
                throw TooLarge(max);
            }

            if (read.Buffer.Length == 0)
            {
                return null;
            }

            if (!StreamableHttp.StreamableHttpDoor.IsUtf8(read.Buffer))
            {
                throw new RestRejectedException(RestProblems.ParseError, "The body is not valid JSON: it is not valid UTF-8.");
            }

            try
            {
                var json = new Utf8JsonReader(read.Buffer);
                var node = JsonNode.Parse(ref json);
                return json.Read() ? throw new JsonException("Unexpected data after the JSON value.") : node;
            }
            catch (JsonException e)
            {
                throw new RestRejectedException(RestProblems.ParseError, $"The body is not valid JSON: {e.Message}");
            }
        }
        finally
        {
            reader.AdvanceTo(read.Buffer.End);
        }
    }

    /// <summary>Reads a JSON body into <paramref name="typeInfo"/>; a body of the wrong shape is 400 naming the field.</summary>
    public static async Task<T?> ReadBodyAsync<T>(HttpContext context, JsonTypeInfo<T> typeInfo)
    {
        var node = await ReadJsonBodyAsync(context);
        if (node is null)
        {
            return default;
        }

        try
        {
            return node.Deserialize(typeInfo);
        }
        catch (JsonException e)
        {
            var path = e.Path is { Length: > 1 } p ? p.TrimStart('$', '.') : null;
            throw new RestRejectedException(RestProblems.InvalidParams, $"The body does not fit {typeof(T).Name}: {e.Message}", path);
        }
    }

    /// <summary>
    /// Reads a <c>multipart/form-data</c> body within <c>ContextHub:Gateway:MaxRequestBodyBytes</c>: 413 over the limit,
    /// 400 for a body that is not well-formed multipart. The caller has checked the media type (<see cref="IsMultipartForm"/>).
    /// </summary>
    public static async Task<IFormCollection> ReadFormBodyAsync(HttpContext context)
    {
        var max = LimitBody(context);
        try
        {
            return await context.Request.ReadFormAsync(FormCollectionOptions(max), context.RequestAborted);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw TooLarge(max);
        }
        catch (InvalidDataException e) when (e.Message.Contains("length limit", StringComparison.OrdinalIgnoreCase))
        {
            throw TooLarge(max);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or BadHttpRequestException)
        {
            throw new RestRejectedException(RestProblems.InvalidRequest, $"The body is not valid multipart/form-data: {e.Message}");
        }
    }

    public static bool IsMultipartForm(HttpContext context) =>
        MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var media)
        && media.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase);

    private static bool HasBody(HttpContext context) =>
        context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? context.Request.ContentLength > 0;

    /// <summary>Refuses a declared length over the limit and makes the server stop reading past it; returns the limit.</summary>
    private static long LimitBody(HttpContext context)
    {
        var max = context.RequestServices.GetRequiredService<IOptions<GatewayOptions>>().Value.MaxRequestBodyBytes;
        if (context.Request.ContentLength > max)
        {
            throw TooLarge(max);
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = max;
        }

        return max;
    }

    /// <summary>Form limits that let one file part fill the whole body limit.</summary>
    private static FormOptions FormCollectionOptions(long max) => new()
    {
        MultipartBodyLengthLimit = max,
        ValueLengthLimit = (int)Math.Min(max, int.MaxValue),
        BufferBodyLengthLimit = max,
    };

    private static RestRejectedException TooLarge(long max) =>
        new(RestProblems.TooLarge, $"The request body is over the limit of {max} bytes (ContextHub:Gateway:MaxRequestBodyBytes).");

    private static bool IsJson(string contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media)
        && (media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || media.MediaType.Value?.EndsWith("+json", StringComparison.OrdinalIgnoreCase) == true);
}

/// <summary>The request body limit of an endpoint, honoured by routing before the body is read.</summary>
internal sealed class RestBodyLimit(long maxBytes) : IRequestSizeLimitMetadata
{
    public long? MaxRequestBodySize { get; } = maxBytes;
}
