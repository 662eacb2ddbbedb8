using System.Text.Json;
using System.Text.Json.Nodes;
using ContextHub.Messaging;
using ContextHub.Prompts;
using ContextHub.Resources;
using ContextHub.Tools;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Protocol;

namespace ContextHub.Samples.Conformance;

/// <summary>The resources, templates and prompts the MCP conformance suite expects, added to the managers at start.</summary>
public static class ConformanceFixture
{
    private static readonly string[] TemplateIds = ["123", "456", "789"];
    private static readonly string[] ArgumentValues = ["test1", "test2", "testValue1", "other"];

    public static void Register(IServiceProvider services)
    {
        RegisterResources(services.GetRequiredService<ResourceManager>().Code);
        RegisterPrompts(services.GetRequiredService<PromptManager>());
        services.GetRequiredService<ToolRegistry>().Add(new JsonSchema202012Tool());
        services.GetRequiredService<ToolRegistry>().Add(new HeaderRoutedTool());
    }

    private static void RegisterResources(CodeResourceProvider code)
    {
        code.Add(new Resource { Uri = "test://static-text", Name = "static-text", Title = "Static text", Description = "A static text resource.", MimeType = "text/plain" },
            (_, uri) => ValueTask.FromResult<ResourceContents[]>(
                [new TextResourceContents { Uri = uri, MimeType = "text/plain", Text = "This is the content of the static text resource." }]));
        code.Add(new Resource { Uri = "test://static-binary", Name = "static-binary", Title = "Static binary", Description = "A static PNG image.", MimeType = "image/png" },
            (_, uri) => ValueTask.FromResult<ResourceContents[]>([BlobResourceContents.FromBytes(ConformanceMedia.RedPixelPng, uri, "image/png")]));
        code.Add(new Resource { Uri = "test://watched-resource", Name = "watched-resource", Title = "Watched resource", Description = "A resource clients can subscribe to.", MimeType = "text/plain" },
            (_, uri) => ValueTask.FromResult<ResourceContents[]>([new TextResourceContents { Uri = uri, MimeType = "text/plain", Text = "Watched resource content." }]));
        code.Add(new ResourceTemplate { UriTemplate = "test://template/{id}/data", Name = "template-data", Title = "Data by id", Description = "JSON data for an id.", MimeType = "application/json" },
            (_, uri, variables) => ValueTask.FromResult<ResourceContents[]>(
            [
                new TextResourceContents
                {
                    Uri = uri,
                    MimeType = "application/json",
                    Text = new JsonObject { ["id"] = variables["id"], ["templateTest"] = true, ["data"] = $"Data for ID: {variables["id"]}" }.ToJsonString(),
                },
            ]),
            (variable, prefix, _) => variable == "id" ? [.. TemplateIds.Where(v => v.StartsWith(prefix, StringComparison.Ordinal))] : []);
    }

    private static void RegisterPrompts(PromptManager prompts)
    {
        prompts.Add(new CodePrompt(new Prompt { Name = "test_simple_prompt", Title = "Simple prompt", Description = "A prompt without arguments." },
            (_, _) => RenderAsync(new PromptMessage { Role = Role.User, Content = new TextContentBlock { Text = "This is a simple prompt for testing." } })));

        prompts.Add(new CodePrompt(
            new Prompt
            {
                Name = "test_prompt_with_arguments",
                Title = "Prompt with arguments",
                Description = "A prompt with two required arguments.",
                Arguments =
                [
                    new PromptArgument { Name = "arg1", Description = "First test argument", Required = true },
                    new PromptArgument { Name = "arg2", Description = "Second test argument", Required = true },
                ],
            },
            (_, args) => RenderAsync(new PromptMessage
            {
                Role = Role.User,
                Content = new TextContentBlock { Text = $"Prompt with arguments: arg1='{args["arg1"]}', arg2='{args["arg2"]}'" },
            }),
            (argument, prefix) => [.. ArgumentValues.Where(v => v.StartsWith(prefix, StringComparison.Ordinal))]));

        prompts.Add(new CodePrompt(
            new Prompt
            {
                Name = "test_prompt_with_embedded_resource",
                Title = "Prompt with a resource",
                Description = "A prompt that embeds a resource.",
                Arguments = [new PromptArgument { Name = "resourceUri", Description = "URI of the resource to embed", Required = true }],
            },
            (_, args) => RenderAsync(
                new PromptMessage
                {
                    Role = Role.User,
                    Content = new EmbeddedResourceBlock
                    {
                        Resource = new TextResourceContents { Uri = args["resourceUri"], MimeType = "text/plain", Text = "Embedded resource content for testing." },
                    },
                },
                new PromptMessage { Role = Role.User, Content = new TextContentBlock { Text = "Please process the embedded resource above." } })));

        prompts.Add(new CodePrompt(new Prompt { Name = "test_prompt_with_image", Title = "Prompt with an image", Description = "A prompt that includes an image." },
            (_, _) => RenderAsync(
                new PromptMessage { Role = Role.User, Content = ImageContentBlock.FromBytes(ConformanceMedia.RedPixelPng, "image/png") },
                new PromptMessage { Role = Role.User, Content = new TextContentBlock { Text = "Please analyze the image above." } })));

        prompts.Add(new CodePrompt(
            new Prompt { Name = "test_input_required_result_prompt", Title = "Prompt that asks first", Description = "A prompt that asks the user for context before it renders." },
            async (context, _) =>
            {
                var answer = await context.RequestInputAsync(RequestMethods.ElicitationCreate, new JsonObject
                {
                    ["mode"] = "form",
                    ["message"] = "What context should the prompt use?",
                    ["requestedSchema"] = new JsonObject
                    {
                        ["type"] = "object",
                        ["properties"] = new JsonObject { ["context"] = new JsonObject { ["type"] = "string" } },
                        ["required"] = new JsonArray("context"),
                    },
                }, "user_context");
                return new GetPromptResult
                {
                    Description = "A prompt with user context",
                    Messages = [new PromptMessage { Role = Role.User, Content = new TextContentBlock { Text = $"Use this context: {ConformanceTools.Field(answer, "context")}" } }],
                };
            }));
    }

    private static ValueTask<GetPromptResult> RenderAsync(params PromptMessage[] messages) =>
        ValueTask.FromResult(new GetPromptResult { Messages = messages });

    /// <summary>A tool whose input schema uses JSON Schema 2020-12 keywords, which must reach clients unchanged.</summary>
    private sealed class JsonSchema202012Tool : McpTool
    {
        private static readonly JsonElement Schema = JsonDocument.Parse("""
            {"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object",
             "$defs":{"address":{"$anchor":"addressDef","type":"object","properties":{"street":{"type":"string"},"city":{"type":"string"}}}},
             "properties":{"name":{"type":"string"},"address":{"$ref":"#/$defs/address"},"contactMethod":{"type":"string","enum":["phone","email"]},
                           "phone":{"type":"string"},"email":{"type":"string"}},
             "allOf":[{"anyOf":[{"required":["phone"]},{"required":["email"]}]}],
             "if":{"properties":{"contactMethod":{"const":"phone"}},"required":["contactMethod"]},"then":{"required":["phone"]},"else":{"required":["email"]},
             "additionalProperties":false}
            """).RootElement;

        public override Tool Definition { get; } = new()
        {
            Name = "json_schema_2020_12_tool",
            Description = "Tool with JSON Schema 2020-12 features",
            InputSchema = Schema,
        };

        public override ValueTask<CallToolResult> InvokeAsync(McpCallContext context, JsonElement arguments) =>
            ValueTask.FromResult(ToolResults.Text("Arguments accepted: " + arguments.GetRawText()));
    }
}
