using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using ContextHub.Messaging;
using ContextHub.Prompts;
using ContextHub.Tools;
using ModelContextProtocol.Protocol;

namespace ContextHub.Samples.Conformance;

/// <summary>
/// The tools the MCP conformance suite's server scenarios call, with the names and answers the suite expects.
/// Served only when <c>ContextHub:Samples:Conformance</c> is on.
/// </summary>
[McpToolType]
public static class ConformanceTools
{
    [McpTool("test_simple_text")]
    [Description("Returns a simple text response.")]
    public static string SimpleText() => "This is a simple text response for testing.";

    [McpTool("test_image_content")]
    [Description("Returns an image (a 1x1 red PNG).")]
    public static ContentBlock Image() => ImageContentBlock.FromBytes(ConformanceMedia.RedPixelPng, "image/png");

    [McpTool("test_audio_content")]
    [Description("Returns a short WAV clip.")]
    public static ContentBlock Audio() => AudioContentBlock.FromBytes(ConformanceMedia.SilentWav, "audio/wav");

    [McpTool("test_embedded_resource")]
    [Description("Returns an embedded text resource.")]
    public static ContentBlock EmbeddedResource() => new EmbeddedResourceBlock
    {
        Resource = new TextResourceContents { Uri = "test://embedded-resource", MimeType = "text/plain", Text = "This is an embedded resource content." },
    };

    [McpTool("test_multiple_content_types")]
    [Description("Returns text, an image and an embedded resource together.")]
    public static IEnumerable<ContentBlock> MultipleContentTypes() =>
    [
        new TextContentBlock { Text = "Multiple content types test:" },
        ImageContentBlock.FromBytes(ConformanceMedia.RedPixelPng, "image/png"),
        new EmbeddedResourceBlock
        {
            Resource = new TextResourceContents { Uri = "test://mixed-content-resource", MimeType = "application/json", Text = """{"test":"data","value":123}""" },
        },
    ];

    [McpTool("test_tool_with_logging")]
    [Description("Sends three log messages while it runs.")]
    public static async Task<string> WithLoggingAsync(McpCallContext context)
    {
        foreach (var message in new[] { "Tool execution started", "Tool processing data", "Tool execution completed" })
        {
            await context.LogAsync(LoggingLevel.Info, message, "conformance");
            await Task.Delay(50, context.CancellationToken);
        }

        return "Logging test completed.";
    }

    [McpTool("test_logging_tool")]
    [Description("Logs a message (only sent when the request asked for a log level).")]
    public static async Task<string> LoggingToolAsync(McpCallContext context)
    {
        await context.LogAsync(LoggingLevel.Info, "Logging tool ran", "conformance");
        return "Logged.";
    }

    [McpTool("test_error_handling")]
    [Description("Always fails, as a tool error.")]
    public static CallToolResult ErrorHandling() => ToolResults.Error("This tool intentionally returns an error for testing");

    [McpTool("test_tool_with_progress")]
    [Description("Reports progress 0, 50 and 100 of 100.")]
    public static async Task<string> WithProgressAsync(McpCallContext context)
    {
        foreach (var step in new[] { 0, 50, 100 })
        {
            await context.ReportProgressAsync(step, 100, $"{step}%");
            if (step < 100)
            {
                await Task.Delay(50, context.CancellationToken);
            }
        }

        return "Progress test completed.";
    }

    [McpTool("test_sampling")]
    [Description("Asks the client's model to answer a prompt.")]
    public static async Task<string> SamplingAsync(McpCallContext context, [Description("The prompt to send.")] string prompt)
    {
        var result = await context.SampleAsync(new CreateMessageRequestParams
        {
            Messages = [new SamplingMessage { Role = Role.User, Content = [new TextContentBlock { Text = prompt }] }],
            MaxTokens = 100,
        });
        return "LLM response: " + string.Concat(result.Content.OfType<TextContentBlock>().Select(t => t.Text));
    }

    [McpTool("test_elicitation")]
    [Description("Asks the user for a username and an email address.")]
    public static async Task<string> ElicitationAsync(McpCallContext context, [Description("The message to show.")] string message)
    {
        var answer = await context.RequestInputAsync(RequestMethods.ElicitationCreate, new JsonObject
        {
            ["message"] = message,
            ["requestedSchema"] = new JsonObject
            {
                ["type"] = "object",
                ["properties"] = new JsonObject
                {
                    ["username"] = new JsonObject { ["type"] = "string", ["description"] = "User's response" },
                    ["email"] = new JsonObject { ["type"] = "string", ["description"] = "User's email address" },
                },
                ["required"] = new JsonArray("username", "email"),
            },
        });
        return $"User response: action={Action(answer)}, content={Content(answer)}";
    }

    [McpTool("test_elicitation_sep1034_defaults")]
    [Description("Asks for input with a default for every field type.")]
    public static async Task<string> ElicitationDefaultsAsync(McpCallContext context)
    {
        var answer = await context.RequestInputAsync(RequestMethods.ElicitationCreate, new JsonObject
        {
            ["message"] = "Please review and update the form fields with defaults",
            ["requestedSchema"] = new JsonObject
            {
                ["type"] = "object",
                ["properties"] = new JsonObject
                {
                    ["name"] = new JsonObject { ["type"] = "string", ["description"] = "User name", ["default"] = "John Doe" },
                    ["age"] = new JsonObject { ["type"] = "integer", ["description"] = "User age", ["default"] = 30 },
                    ["score"] = new JsonObject { ["type"] = "number", ["description"] = "User score", ["default"] = 95.5 },
                    ["status"] = new JsonObject
                    {
                        ["type"] = "string", ["description"] = "User status",
                        ["enum"] = new JsonArray("active", "inactive", "pending"), ["default"] = "active",
                    },
                    ["verified"] = new JsonObject { ["type"] = "boolean", ["description"] = "Verification status", ["default"] = true },
                },
            },
        });
        return $"Elicitation completed: action={Action(answer)}, content={Content(answer)}";
    }

    [McpTool("test_elicitation_sep1330_enums")]
    [Description("Asks for input with every enum style.")]
    public static async Task<string> ElicitationEnumsAsync(McpCallContext context)
    {
        static JsonArray Titled(params (string Value, string Title)[] items) =>
            new([.. items.Select(i => (JsonNode)new JsonObject { ["const"] = i.Value, ["title"] = i.Title })]);

        var answer = await context.RequestInputAsync(RequestMethods.ElicitationCreate, new JsonObject
        {
            ["message"] = "Please select options from the enum fields",
            ["requestedSchema"] = new JsonObject
            {
                ["type"] = "object",
                ["properties"] = new JsonObject
                {
                    ["untitledSingle"] = new JsonObject { ["type"] = "string", ["description"] = "Select one option", ["enum"] = new JsonArray("option1", "option2", "option3") },
                    ["titledSingle"] = new JsonObject
                    {
                        ["type"] = "string", ["description"] = "Select one option with titles",
                        ["oneOf"] = Titled(("value1", "First Option"), ("value2", "Second Option"), ("value3", "Third Option")),
                    },
                    ["legacyEnum"] = new JsonObject
                    {
                        ["type"] = "string", ["description"] = "Select one option (legacy)",
                        ["enum"] = new JsonArray("opt1", "opt2", "opt3"), ["enumNames"] = new JsonArray("Option One", "Option Two", "Option Three"),
                    },
                    ["untitledMulti"] = new JsonObject
                    {
                        ["type"] = "array", ["description"] = "Select multiple options",
                        ["items"] = new JsonObject { ["type"] = "string", ["enum"] = new JsonArray("option1", "option2", "option3") },
                    },
                    ["titledMulti"] = new JsonObject
                    {
                        ["type"] = "array", ["description"] = "Select multiple options with titles",
                        ["items"] = new JsonObject { ["anyOf"] = Titled(("value1", "First Choice"), ("value2", "Second Choice"), ("value3", "Third Choice")) },
                    },
                },
            },
        });
        return $"Elicitation completed: action={Action(answer)}, content={Content(answer)}";
    }

    [McpTool("test_missing_capability")]
    [Description("Needs the client's sampling capability; refuses clients that did not declare it.")]
    public static async Task<string> MissingCapabilityAsync(McpCallContext context)
    {
        var result = await context.SampleAsync(new CreateMessageRequestParams
        {
            Messages = [new SamplingMessage { Role = Role.User, Content = [new TextContentBlock { Text = "Say hello." }] }],
            MaxTokens = 20,
        });
        return "Sampled: " + string.Concat(result.Content.OfType<TextContentBlock>().Select(t => t.Text));
    }

    [McpTool("test_streaming_elicitation")]
    [Description("Asks the user a question while it runs.")]
    public static async Task<string> StreamingElicitationAsync(McpCallContext context)
    {
        var answer = await context.RequestInputAsync(RequestMethods.ElicitationCreate, NameSchema("What is your name?"), "user_name");
        return $"Hello, {Field(answer, "name")}!";
    }

    [McpTool("test_trigger_tool_change")]
    [Description("Adds and removes a tool, so list_changed goes out.")]
    public static string TriggerToolChange(ToolRegistry registry)
    {
        var tool = MethodTool.FromMethod(typeof(ConformanceTools).GetMethod(nameof(SimpleText))!, name: "test_temporary_tool");
        registry.Add(tool);
        registry.Remove("test_temporary_tool");
        return "Tool list changed.";
    }

    [McpTool("test_trigger_prompt_change")]
    [Description("Adds and removes a prompt, so list_changed goes out.")]
    public static string TriggerPromptChange(PromptManager prompts)
    {
        prompts.Add(new CodePrompt(new Prompt { Name = "test_temporary_prompt", Description = "Temporary." },
            (_, _) => ValueTask.FromResult(new GetPromptResult { Messages = [] })));
        prompts.Remove("test_temporary_prompt");
        return "Prompt list changed.";
    }

    [McpTool("test_input_required_result_elicitation")]
    [Description("Asks the user's name through an input round trip, then greets them.")]
    public static async Task<string> InputElicitationAsync(McpCallContext context)
    {
        var answer = await context.RequestInputAsync(RequestMethods.ElicitationCreate, NameSchema("What is your name?"), "user_name");
        return $"Hello, {Field(answer, "name")}!";
    }

    [McpTool("test_input_required_result_sampling")]
    [Description("Asks the client's model a question through an input round trip.")]
    public static async Task<string> InputSamplingAsync(McpCallContext context)
    {
        var answer = await context.SampleAsync(new CreateMessageRequestParams
        {
            Messages = [new SamplingMessage { Role = Role.User, Content = [new TextContentBlock { Text = "What is the capital of France?" }] }],
            MaxTokens = 100,
        }, "capital_question");
        return "The model said: " + string.Concat(answer.Content.OfType<TextContentBlock>().Select(t => t.Text));
    }

    [McpTool("test_input_required_result_list_roots")]
    [Description("Asks the client for its roots through an input round trip.")]
    public static async Task<string> InputListRootsAsync(McpCallContext context)
    {
        var roots = await context.ListRootsAsync("client_roots");
        return "Roots: " + string.Join(", ", roots.Roots.Select(r => r.Uri));
    }

    [McpTool("test_input_required_result_request_state")]
    [Description("Asks for a confirmation and checks the request state survives the round trip.")]
    public static async Task<string> InputRequestStateAsync(McpCallContext context)
    {
        var answer = await context.RequestInputAsync(RequestMethods.ElicitationCreate, ConfirmSchema(), "confirm");
        return $"state-ok: confirmed={Field(answer, "ok")}";
    }

    [McpTool("test_input_required_result_tampered_state")]
    [Description("Asks for a confirmation; a tampered request state is refused.")]
    public static async Task<string> InputTamperedStateAsync(McpCallContext context)
    {
        var answer = await context.RequestInputAsync(RequestMethods.ElicitationCreate, ConfirmSchema(), "confirm");
        return $"Confirmed: {Field(answer, "ok")}";
    }

    [McpTool("test_input_required_result_multiple_inputs")]
    [Description("Asks for a name, a greeting from the model and the client's roots in one round trip.")]
    public static async Task<string> InputMultipleAsync(McpCallContext context)
    {
        var name = context.RequestInputAsync(RequestMethods.ElicitationCreate, NameSchema("What is your name?"), "user_name");
        var greeting = context.SampleAsync(new CreateMessageRequestParams
        {
            Messages = [new SamplingMessage { Role = Role.User, Content = [new TextContentBlock { Text = "Generate a greeting" }] }],
            MaxTokens = 50,
        }, "greeting");
        var roots = context.ListRootsAsync("client_roots");
        await Task.WhenAll(name, greeting, roots);
        return $"{string.Concat((await greeting).Content.OfType<TextContentBlock>().Select(t => t.Text))} {Field(await name, "name")} " +
            $"({(await roots).Roots.Count} roots)";
    }

    [McpTool("test_input_required_result_multi_round")]
    [Description("Asks two questions in two rounds.")]
    public static async Task<string> InputMultiRoundAsync(McpCallContext context)
    {
        var name = await context.RequestInputAsync(RequestMethods.ElicitationCreate, NameSchema("Step 1: What is your name?"), "step1");
        var color = await context.RequestInputAsync(RequestMethods.ElicitationCreate, new JsonObject
        {
            ["mode"] = "form",
            ["message"] = "Step 2: What is your favorite color?",
            ["requestedSchema"] = new JsonObject
            {
                ["type"] = "object",
                ["properties"] = new JsonObject { ["color"] = new JsonObject { ["type"] = "string" } },
                ["required"] = new JsonArray("color"),
            },
        }, "step2");
        return $"{Field(name, "name")} likes {Field(color, "color")}.";
    }

    [McpTool("test_input_required_result_capabilities")]
    [Description("Asks only for what the client declared it can do.")]
    public static async Task<string> InputCapabilitiesAsync(McpCallContext context)
    {
        var capabilities = context.ClientCapabilities;
        if (capabilities.Elicitation is not null)
        {
            var answer = await context.RequestInputAsync(RequestMethods.ElicitationCreate, NameSchema("What is your name?"), "user_name");
            return $"Elicited: {Field(answer, "name")}";
        }

        if (capabilities.Sampling is not null)
        {
            var answer = await context.SampleAsync(new CreateMessageRequestParams
            {
                Messages = [new SamplingMessage { Role = Role.User, Content = [new TextContentBlock { Text = "Say hello." }] }],
                MaxTokens = 20,
            }, "sample");
            return "Sampled: " + string.Concat(answer.Content.OfType<TextContentBlock>().Select(t => t.Text));
        }

        return capabilities.Roots is not null ? $"Roots: {(await context.ListRootsAsync("roots")).Roots.Count}" : "The client offers no input.";
    }

    internal static JsonObject NameSchema(string message) => new()
    {
        ["mode"] = "form",
        ["message"] = message,
        ["requestedSchema"] = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject { ["name"] = new JsonObject { ["type"] = "string" } },
            ["required"] = new JsonArray("name"),
        },
    };

    private static JsonObject ConfirmSchema() => new()
    {
        ["mode"] = "form",
        ["message"] = "Please confirm",
        ["requestedSchema"] = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject { ["ok"] = new JsonObject { ["type"] = "boolean" } },
            ["required"] = new JsonArray("ok"),
        },
    };

    private static string Action(JsonElement answer) =>
        answer.ValueKind == JsonValueKind.Object && answer.TryGetProperty("action", out var action) ? action.ToString() : "none";

    private static string Content(JsonElement answer) =>
        answer.ValueKind == JsonValueKind.Object && answer.TryGetProperty("content", out var content) ? content.GetRawText() : "{}";

    /// <summary>A field of an accepted elicitation; an answer that is not an accepted form is refused as invalid input.</summary>
    internal static string Field(JsonElement answer, string name) =>
        answer.ValueKind == JsonValueKind.Object && answer.TryGetProperty("content", out var content)
        && content.ValueKind == JsonValueKind.Object && content.TryGetProperty(name, out var value)
            ? value.ToString()
            : throw Protocol.McpErrorException.InvalidParams($"the answer must be an accepted form with '{name}'", "inputResponses");
}
