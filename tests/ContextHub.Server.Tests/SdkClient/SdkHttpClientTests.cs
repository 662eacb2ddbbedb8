using System.Text.Json;
using ContextHub.Server.Tests.Infrastructure;
using ContextHub.Tools;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace ContextHub.Server.Tests.SdkClient;

/// <summary>The official C# SDK client over Streamable HTTP, in every revision the server speaks.</summary>
[Collection(ServerCollection.Name)]
public sealed class SdkHttpClientTests(TestServer server)
{
    [Theory]
    [MemberData(nameof(SdkClients.Revisions), MemberType = typeof(SdkClients))]
    public async Task Negotiates_the_revision_and_names_the_server(string revision)
    {
        await using var client = await SdkClients.ConnectAsync(server, revision);

        Assert.Equal(revision, client.NegotiatedProtocolVersion);
        Assert.Equal("ContextHub", client.ServerInfo?.Name);
        Assert.NotNull(client.ServerCapabilities?.Tools);
        if (revision != "2026-07-28")
        {
            await client.PingAsync(); // ping is gone from the stateless revision
        }
    }

    [Theory]
    [MemberData(nameof(SdkClients.Revisions), MemberType = typeof(SdkClients))]
    public async Task Lists_tools_with_schemas_and_calls_echo(string revision)
    {
        await using var client = await SdkClients.ConnectAsync(server, revision);

        var tools = await client.ListToolsAsync();
        var echo = Assert.Single(tools, t => t.Name == "echo");
        Assert.Equal("string", echo.ProtocolTool.InputSchema.GetProperty("properties").GetProperty("message").GetProperty("type").GetString());

        var result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "hello" });

        Assert.NotEqual(true, result.IsError);
        Assert.Equal("echo: hello", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
    }

    [Theory]
    [MemberData(nameof(SdkClients.Revisions), MemberType = typeof(SdkClients))]
    public async Task Structured_tool_results_carry_structured_content_from_2025_06_18(string revision)
    {
        await using var client = await SdkClients.ConnectAsync(server, revision);

        var tool = Assert.Single(await client.ListToolsAsync(), t => t.Name == "text_stats");
        var result = await client.CallToolAsync("text_stats", new Dictionary<string, object?> { ["text"] = "Two words." });

        Assert.Equal("object", tool.ProtocolTool.OutputSchema!.Value.GetProperty("type").GetString());
        var text = Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;
        Assert.Equal(2, JsonDocument.Parse(text).RootElement.GetProperty("words").GetInt32());
        if (revision == "2025-03-26")
        {
            Assert.Null(result.StructuredContent);
        }
        else
        {
            Assert.Equal(2, result.StructuredContent!.Value.GetProperty("words").GetInt32());
        }
    }

    [Theory]
    [MemberData(nameof(SdkClients.Revisions), MemberType = typeof(SdkClients))]
    public async Task Unknown_tool_is_a_protocol_error(string revision)
    {
        await using var client = await SdkClients.ConnectAsync(server, revision);

        var error = await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync("no_such_tool").AsTask());

        Assert.Equal(McpErrorCode.InvalidParams, error.ErrorCode);
        Assert.Contains("no_such_tool", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2025-06-18")]
    [InlineData("2025-03-26")]
    public async Task Arguments_that_fail_the_schema_get_invalid_params_naming_the_path_before_2025_11_25(string revision)
    {
        await using var client = await SdkClients.ConnectAsync(server, revision);

        var missing = await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync("echo", new Dictionary<string, object?>()).AsTask());
        var wrongType = await Assert.ThrowsAsync<McpProtocolException>(
            () => client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = 42 }).AsTask());

        Assert.Equal(McpErrorCode.InvalidParams, missing.ErrorCode);
        Assert.Contains("arguments.message", missing.Message, StringComparison.Ordinal);
        Assert.Equal(McpErrorCode.InvalidParams, wrongType.ErrorCode);
        Assert.Contains("arguments.message", wrongType.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2026-07-28")]
    [InlineData("2025-11-25")]
    public async Task Arguments_that_fail_the_schema_are_a_tool_error_naming_the_path_from_2025_11_25(string revision)
    {
        await using var client = await SdkClients.ConnectAsync(server, revision);

        var missing = await client.CallToolAsync("echo", new Dictionary<string, object?>());
        var wrongType = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = 42 });
        var unknown = await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync("no_such_tool").AsTask());

        Assert.True(missing.IsError);
        Assert.Contains("arguments.message", Assert.IsType<TextContentBlock>(Assert.Single(missing.Content)).Text, StringComparison.Ordinal);
        Assert.True(wrongType.IsError);
        Assert.Contains("arguments.message", Assert.IsType<TextContentBlock>(Assert.Single(wrongType.Content)).Text, StringComparison.Ordinal);
        Assert.Equal(McpErrorCode.InvalidParams, unknown.ErrorCode);
    }

    [Theory]
    [MemberData(nameof(SdkClients.Revisions), MemberType = typeof(SdkClients))]
    public async Task A_failing_tool_returns_is_error_not_a_protocol_error(string revision)
    {
        await using var client = await SdkClients.ConnectAsync(server, revision);

        var result = await client.CallToolAsync("current_time", new Dictionary<string, object?> { ["timeZone"] = "Mars/Olympus_Mons" });

        Assert.True(result.IsError);
        Assert.Contains("Unknown time zone", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(SdkClients.Revisions), MemberType = typeof(SdkClients))]
    public async Task Progress_notifications_reach_the_caller(string revision)
    {
        await using var client = await SdkClients.ConnectAsync(server, revision);
        await using var progress = ProgressRecorder.Listen(client, expected: 4);

        var result = await client.CallToolAsync("countdown", new Dictionary<string, object?> { ["from"] = 3, ["intervalMs"] = 5 },
            options: progress.Options);
        var updates = await progress.WaitForAllAsync();

        Assert.Equal("Counted down from 3.", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
        // The server sends 0,1,2,3 in order before the result (the raw SSE test checks their order); this client hands
        // each message to its own task, so they may reach the handler in another order.
        Assert.Equal([0f, 1f, 2f, 3f], updates.Select(u => u.Progress));
        Assert.All(updates, u => Assert.Equal(3f, u.Total));
    }

    [Theory]
    [MemberData(nameof(SdkClients.Revisions), MemberType = typeof(SdkClients))]
    public async Task A_tool_can_ask_the_user_through_elicitation(string revision)
    {
        var handlers = new McpClientHandlers
        {
            ElicitationHandler = (request, _) => ValueTask.FromResult(new ElicitResult
            {
                Action = "accept",
                Content = new Dictionary<string, JsonElement> { ["answer"] = JsonSerializer.SerializeToElement("forty-two") },
            }),
        };
        await using var client = await SdkClients.ConnectAsync(server, revision, handlers);

        var result = await client.CallToolAsync("ask_user", new Dictionary<string, object?> { ["question"] = "What is the answer?" });

        Assert.Equal("The user answered: forty-two", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
    }

    [Theory]
    [MemberData(nameof(SdkClients.Revisions), MemberType = typeof(SdkClients))]
    public async Task A_tool_can_ask_the_clients_model_through_sampling(string revision)
    {
        var handlers = new McpClientHandlers
        {
            SamplingHandler = (request, _, _) => ValueTask.FromResult(new CreateMessageResult
            {
                Model = "test-model",
                Role = Role.Assistant,
                Content = [new TextContentBlock { Text = "A short summary." }],
            }),
        };
        await using var client = await SdkClients.ConnectAsync(server, revision, handlers);

        var result = await client.CallToolAsync("summarize", new Dictionary<string, object?> { ["text"] = "A long text." });

        Assert.Equal("A short summary.", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
    }

    [Theory]
    [MemberData(nameof(SdkClients.Revisions), MemberType = typeof(SdkClients))]
    public async Task Asking_a_client_without_the_capability_fails_clearly(string revision)
    {
        await using var client = await SdkClients.ConnectAsync(server, revision);

        var error = await Assert.ThrowsAnyAsync<McpProtocolException>(
            () => client.CallToolAsync("ask_user", new Dictionary<string, object?> { ["question"] = "?" }).AsTask());

        Assert.Equal(McpErrorCode.MissingRequiredClientCapability, error.ErrorCode);
        Assert.Contains("elicitation", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(SdkClients.Revisions), MemberType = typeof(SdkClients))]
    public async Task Lists_and_reads_file_resources_and_templates(string revision)
    {
        await using var client = await SdkClients.ConnectAsync(server, revision);

        var resources = await client.ListResourcesAsync();
        var readme = Assert.Single(resources, r => r.Uri == "res://samples/README.md");
        var templates = await client.ListResourceTemplatesAsync();
        var contents = await client.ReadResourceAsync(readme.Uri);

        Assert.Equal("text/markdown", readme.MimeType);
        Assert.Contains(templates, t => t.UriTemplate == "res://samples/{+path}");
        Assert.StartsWith("# ContextHub sample resources", Assert.IsType<TextResourceContents>(Assert.Single(contents.Contents)).Text, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(SdkClients.Revisions), MemberType = typeof(SdkClients))]
    public async Task An_unknown_resource_gets_the_revisions_not_found_error(string revision)
    {
        await using var client = await SdkClients.ConnectAsync(server, revision);

        var error = await Assert.ThrowsAsync<McpProtocolException>(() => client.ReadResourceAsync("res://samples/nope.md").AsTask());
        var escape = await Assert.ThrowsAsync<McpProtocolException>(() => client.ReadResourceAsync("res://samples/..%2F..%2Fetc%2Fpasswd").AsTask());

        var expected = revision == "2026-07-28" ? McpErrorCode.InvalidParams : McpErrorCode.ResourceNotFound;
        Assert.Equal(expected, error.ErrorCode);
        Assert.Equal(expected, escape.ErrorCode);
    }

    [Theory]
    [MemberData(nameof(SdkClients.Revisions), MemberType = typeof(SdkClients))]
    public async Task Lists_and_renders_prompts_from_files(string revision)
    {
        await using var client = await SdkClients.ConnectAsync(server, revision);

        var prompts = await client.ListPromptsAsync();
        var review = Assert.Single(prompts, p => p.Name == "code_review");
        var rendered = await client.GetPromptAsync("code_review", new Dictionary<string, object?> { ["code"] = "int x = 1;", ["language"] = "csharp" });
        var summary = await client.GetPromptAsync("summarize", new Dictionary<string, object?> { ["text"] = "Some text." });

        Assert.Contains(review.ProtocolPrompt.Arguments!, a => a.Name == "code" && a.Required == true);
        var text = Assert.IsType<TextContentBlock>(Assert.Single(rendered.Messages).Content).Text;
        Assert.Contains("```csharp\nint x = 1;\n```", text, StringComparison.Ordinal);
        Assert.Equal([Role.User, Role.Assistant], summary.Messages.Select(m => m.Role));
    }

    [Theory]
    [MemberData(nameof(SdkClients.Revisions), MemberType = typeof(SdkClients))]
    public async Task Prompt_errors_are_invalid_params(string revision)
    {
        await using var client = await SdkClients.ConnectAsync(server, revision);

        var unknown = await Assert.ThrowsAsync<McpProtocolException>(() => client.GetPromptAsync("no_such_prompt").AsTask());
        var missing = await Assert.ThrowsAsync<McpProtocolException>(() => client.GetPromptAsync("code_review").AsTask());

        Assert.Equal(McpErrorCode.InvalidParams, unknown.ErrorCode);
        Assert.Equal(McpErrorCode.InvalidParams, missing.ErrorCode);
        Assert.Contains("arguments.code", missing.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(SdkClients.Revisions), MemberType = typeof(SdkClients))]
    public async Task Completes_prompt_arguments_and_template_variables(string revision)
    {
        await using var client = await SdkClients.ConnectAsync(server, revision);

        var language = await client.CompleteAsync(new PromptReference { Name = "code_review" }, "language", "py");
        var path = await client.CompleteAsync(new ResourceTemplateReference { Uri = "res://samples/{+path}" }, "path", "mcp");

        Assert.Equal(["python"], language.Completion.Values);
        Assert.Equal(["mcp-cheatsheet.md"], path.Completion.Values);
    }

    [Theory]
    [MemberData(nameof(SdkClients.Revisions), MemberType = typeof(SdkClients))]
    public async Task Lists_page_with_cursors(string revision)
    {
        var registry = server.Services.GetRequiredService<ToolRegistry>();
        var before = registry.Count;
        await using var client = await SdkClients.ConnectAsync(server, revision);

        var first = await client.ListToolsAsync(new ListToolsRequestParams());

        // The SDK follows cursors itself in ListToolsAsync(); one raw page shows the server's paging.
        Assert.Equal(before, (await client.ListToolsAsync()).Count);
        Assert.Null(first.NextCursor);
    }

    [Theory]
    [MemberData(nameof(SdkClients.SessionRevisions), MemberType = typeof(SdkClients))]
    public async Task Session_clients_hear_about_tools_added_at_run_time(string revision)
    {
        var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var client = await SdkClients.ConnectAsync(server, revision);
        await using var registration = client.RegisterNotificationHandler(NotificationMethods.ToolListChangedNotification, (_, _) =>
        {
            changed.TrySetResult();
            return ValueTask.CompletedTask;
        });
        await WaitForStandaloneStreamAsync(client);

        var registry = server.Services.GetRequiredService<ToolRegistry>();
        var name = "added_" + revision.Replace("-", "", StringComparison.Ordinal);
        registry.Add(MethodTool.FromMethod(typeof(SdkHttpClientTests).GetMethod(nameof(Added), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!, name: name));
        try
        {
            await changed.Task.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Contains(await client.ListToolsAsync(), t => t.Name == name);
        }
        finally
        {
            registry.Remove(name);
        }
    }

    [Theory]
    [MemberData(nameof(SdkClients.SessionRevisions), MemberType = typeof(SdkClients))]
    public async Task Subscribed_clients_hear_when_a_resource_file_changes(string revision)
    {
        var file = Path.Combine(server.ResourcesFolder, $"watched-{revision}.txt");
        await File.WriteAllTextAsync(file, "first");
        var uri = $"res://samples/watched-{revision}.txt";
        var updated = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var client = await SdkClients.ConnectAsync(server, revision);
        Assert.Equal("first", Assert.IsType<TextResourceContents>(Assert.Single((await client.ReadResourceAsync(uri)).Contents)).Text);
        await client.SubscribeToResourceAsync(uri, (notification, _) =>
        {
            updated.TrySetResult(notification.Uri);
            return ValueTask.CompletedTask;
        });
        await WaitForStandaloneStreamAsync(client);

        await File.WriteAllTextAsync(file, "second");

        Assert.Equal(uri, await updated.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        // The first notification may announce the earlier write; the one for "second" follows within the debounce.
        string text = "";
        for (var i = 0; i < 100 && text != "second"; i++)
        {
            text = Assert.IsType<TextResourceContents>(Assert.Single((await client.ReadResourceAsync(uri)).Contents)).Text;
            await Task.Delay(text == "second" ? 0 : 50);
        }

        Assert.Equal("second", text);
    }

    [Theory]
    [MemberData(nameof(SdkClients.SessionRevisions), MemberType = typeof(SdkClients))]
    public async Task Log_messages_follow_the_level_the_client_set(string revision)
    {
        var messages = new List<LoggingMessageNotificationParams>();
        await using var client = await SdkClients.ConnectAsync(server, revision);
        await using var registration = client.RegisterNotificationHandler(NotificationMethods.LoggingMessageNotification, (notification, _) =>
        {
            lock (messages)
            {
                messages.Add(JsonSerializer.Deserialize<LoggingMessageNotificationParams>(notification.Params, McpJsonUtilities.DefaultOptions)!);
            }

            return ValueTask.CompletedTask;
        });

        await client.SetLoggingLevelAsync(LoggingLevel.Debug);
        await client.CallToolAsync("test_tool_with_logging");
        int heard;
        lock (messages)
        {
            heard = messages.Count;
        }

        await client.SetLoggingLevelAsync(LoggingLevel.Emergency);
        await client.CallToolAsync("test_tool_with_logging");

        Assert.True(heard >= 3, $"expected the tool's log messages at level debug, heard {heard}");
        lock (messages)
        {
            Assert.Equal(heard, messages.Count);
        }
    }

    /// <summary>The SDK opens the GET stream in the background after initialize; notifications need it.</summary>
    private async Task WaitForStandaloneStreamAsync(McpClient client)
    {
        var sessions = server.Services.GetRequiredService<ContextHub.Sessions.SessionManager>();
        for (var i = 0; i < 100 && sessions.Find(client.SessionId!)?.StandaloneChannel is null; i++)
        {
            await Task.Delay(50);
        }
    }

    [McpTool]
    private static string Added() => "added";
}
