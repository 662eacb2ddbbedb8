using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace ContextHub.Server.Gateway.Rest;

/// <summary>OpenAPI metadata of the REST door's endpoints: bodies, problems and required parameters.</summary>
internal static class RestOpenApi
{
    /// <summary>Declares the problems an endpoint may answer, plus the ones every REST endpoint may answer (403, 500).</summary>
    public static RouteHandlerBuilder ProducesProblems(this RouteHandlerBuilder builder, params int[] statuses)
    {
        foreach (var status in statuses.Append(StatusCodes.Status401Unauthorized).Append(StatusCodes.Status403Forbidden)
            .Append(StatusCodes.Status429TooManyRequests).Append(StatusCodes.Status500InternalServerError).Distinct())
        {
            builder.Produces<Problem>(status, RestProblems.MediaType);
        }

        return builder;
    }

    /// <summary>
    /// Describes a JSON request body the handler reads itself. (Accepts metadata would make routing answer a wrong
    /// Content-Type with an empty 415; the handler answers it with a problem instead.)
    /// </summary>
    public static RouteHandlerBuilder AcceptsJson<T>(this RouteHandlerBuilder builder, string description, bool required) =>
        builder.AddOpenApiOperationTransformer(async (operation, context, cancellationToken) =>
        {
            IOpenApiSchema schema = await context.GetOrCreateSchemaAsync(typeof(T), null, cancellationToken);
            if (!typeof(T).IsGenericType && context.Document is { } document)
            {
                // A named body (not a dictionary) becomes a component, like the response bodies.
                document.AddComponent(typeof(T).Name, schema);
                schema = new OpenApiSchemaReference(typeof(T).Name, document);
            }

            operation.RequestBody = new OpenApiRequestBody
            {
                Description = description,
                Required = required,
                Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal)
                {
                    ["application/json"] = new OpenApiMediaType { Schema = schema },
                },
            };
        });

    /// <summary>
    /// Adds a <c>multipart/form-data</c> upload to the request body an earlier <see cref="AcceptsJson{T}"/> described: one
    /// required file part, optional text fields, and one optional repeated field.
    /// </summary>
    public static RouteHandlerBuilder AcceptsUpload(this RouteHandlerBuilder builder, string fileField, string fileDescription,
        IReadOnlyDictionary<string, string> fields, (string Name, string Description) repeated) =>
        builder.AddOpenApiOperationTransformer((operation, context, cancellationToken) =>
        {
            var properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
            {
                [fileField] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary", Description = fileDescription },
            };
            foreach (var (name, description) in fields)
            {
                properties[name] = new OpenApiSchema { Type = JsonSchemaType.String, Description = description };
            }

            properties[repeated.Name] = new OpenApiSchema
            {
                Type = JsonSchemaType.Array,
                Items = new OpenApiSchema { Type = JsonSchemaType.String },
                Description = repeated.Description,
            };
            var schema = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Required = new HashSet<string>(StringComparer.Ordinal) { fileField },
                Properties = properties,
            };
            operation.RequestBody ??= new OpenApiRequestBody { Required = true, Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal) };
            operation.RequestBody.Content!["multipart/form-data"] = new OpenApiMediaType
            {
                Schema = schema,
                Encoding = new Dictionary<string, OpenApiEncoding>(StringComparer.Ordinal)
                {
                    [fileField] = new OpenApiEncoding { ContentType = "application/pdf, text/markdown, text/html, application/json, text/plain, application/octet-stream" },
                },
            };
            return Task.CompletedTask;
        });

    /// <summary>Marks a query parameter required in the document (the handler lets the engine report it missing, as a problem).</summary>
    public static RouteHandlerBuilder RequireQueryParameter(this RouteHandlerBuilder builder, string name) =>
        builder.AddOpenApiOperationTransformer((operation, context, cancellationToken) =>
        {
            foreach (var parameter in operation.Parameters ?? [])
            {
                if (parameter is OpenApiParameter { In: ParameterLocation.Query } query && query.Name == name)
                {
                    query.Required = true;
                    if (query.Schema is OpenApiSchema schema)
                    {
                        schema.Type = JsonSchemaType.String;
                    }
                }
            }

            return Task.CompletedTask;
        });
}

/// <summary>The document's title, description and tag descriptions.</summary>
internal sealed class RestOpenApiDocumentTransformer : IOpenApiDocumentTransformer
{
    private static readonly Dictionary<string, string> TagDescriptions = new(StringComparer.Ordinal)
    {
        ["Tools"] = "Tools the server offers: list them, read their schemas, call them.",
        ["Resources"] = "Data the server can read, by URI; reads carry an ETag.",
        ["Prompts"] = "Prompt templates: list them and render them with arguments.",
        ["Completions"] = "Suggestions for prompt arguments and resource template variables.",
    };

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "ContextHub REST API",
            Version = "v1",
            Description = "The tools, resources and prompts of a ContextHub server over plain HTTP and JSON. Every call goes through the "
                + "same engine as MCP. Errors are RFC 7807 problems (application/problem+json) whose type names the kind of error, "
                + "e.g. https://contexthub.dev/problems/not-found; code and path carry the engine's error code and the failing parameter.",
        };
        document.Tags ??= new HashSet<OpenApiTag>();
        foreach (var (name, description) in TagDescriptions)
        {
            var tag = document.Tags.FirstOrDefault(t => t.Name == name);
            if (tag is null)
            {
                document.Tags.Add(new OpenApiTag { Name = name, Description = description });
            }
            else
            {
                tag.Description = description;
            }
        }

        return Task.CompletedTask;
    }
}

/// <summary>
/// The REST bodies leave out fields that have no value (they never write <c>null</c>), so a nullable property is
/// optional (and not null) in the document; numbers are only numbers.
/// </summary>
internal sealed class RestOpenApiSchemaTransformer : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (schema.Properties is not { Count: > 0 } properties || context.JsonTypeInfo.Kind != System.Text.Json.Serialization.Metadata.JsonTypeInfoKind.Object)
        {
            return Task.CompletedTask;
        }

        foreach (var property in context.JsonTypeInfo.Properties)
        {
            if (!properties.TryGetValue(property.Name, out var value) || value is not OpenApiSchema concrete)
            {
                continue;
            }

            // Numbers are written as numbers (the web defaults would also read them from strings).
            if (concrete.Type is { } numeric && numeric.HasFlag(JsonSchemaType.String)
                && (numeric.HasFlag(JsonSchemaType.Integer) || numeric.HasFlag(JsonSchemaType.Number)))
            {
                concrete.Type = numeric & ~JsonSchemaType.String;
                concrete.Pattern = null;
            }

            if (property.IsGetNullable || Nullable.GetUnderlyingType(property.PropertyType) is not null)
            {
                schema.Required?.Remove(property.Name);
                if (concrete.Type is { } type && type.HasFlag(JsonSchemaType.Null))
                {
                    concrete.Type = type & ~JsonSchemaType.Null;
                }
            }
        }

        return Task.CompletedTask;
    }
}
