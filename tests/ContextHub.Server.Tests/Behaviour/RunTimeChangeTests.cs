using System.ComponentModel;
using System.Reflection;
using ContextHub.Messaging;
using ContextHub.Server.Tests.Infrastructure;
using ContextHub.Server.Tests.SdkClient;
using ContextHub.Tools;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace ContextHub.Server.Tests.Behaviour;

/// <summary>What changes while the server runs: files, timeouts, cancellation.</summary>
[Collection(ServerCollection.Name)]
public sealed class RunTimeChangeTests(TestServer server)
{
    private static readonly TaskCompletionSource<bool> SlowToolCancelled = new(TaskCreationOptions.RunContinuationsAsynchronously);

    [Fact]
    public async Task A_declarative_tool_file_dropped_in_the_folder_becomes_a_tool()
    {
        var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var client = await SdkClients.ConnectAsync(server, "2025-11-25");
        await using var registration = client.RegisterNotificationHandler(NotificationMethods.ToolListChangedNotification, (_, _) =>
        {
            changed.TrySetResult();
            return ValueTask.CompletedTask;
        });
        var file = Path.Combine(server.ToolsFolder, "health_check.yaml");

        await File.WriteAllTextAsync(file, $$$"""
            name: health_check
            description: Asks the gateway's health endpoint how it is.
            inputSchema:
              type: object
              properties:
                who: { type: string }
              required: [who]
            http:
              method: GET
              url: "{{{server.BaseAddress}}}healthz?who={{ who | url_encode }}"
            response:
              template: "{{ who }} hears: {{ response }}"
            """);
        try
        {
            await changed.Task.WaitAsync(TimeSpan.FromSeconds(10));
            await WaitUntilAsync(async () => (await client.ListToolsAsync()).Any(t => t.Name == "health_check"));
            var result = await client.CallToolAsync("health_check", new Dictionary<string, object?> { ["who"] = "tester" });
            var refused = await client.CallToolAsync("health_check");

            Assert.Equal("tester hears: ok", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
            Assert.True(refused.IsError);
            Assert.Contains("arguments.who", Assert.IsType<TextContentBlock>(Assert.Single(refused.Content)).Text, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }

        await WaitUntilAsync(async () => !(await client.ListToolsAsync()).Any(t => t.Name == "health_check"));
    }

    [Fact]
    public async Task Editing_a_prompt_file_reloads_it_and_tells_clients()
    {
        var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var client = await SdkClients.ConnectAsync(server, "2025-11-25");
        await using var registration = client.RegisterNotificationHandler(NotificationMethods.PromptListChangedNotification, (_, _) =>
        {
            changed.TrySetResult();
            return ValueTask.CompletedTask;
        });
        var file = Path.Combine(server.PromptsFolder, "greeting.md");

        await File.WriteAllTextAsync(file, """
            ---
            name: greeting
            description: Greets someone.
            arguments:
              - name: who
                required: true
            ---
            Hello, {{ who }}!
            """);
        try
        {
            await changed.Task.WaitAsync(TimeSpan.FromSeconds(10));
            // A notification can come from a half-written file; the next reload follows within the debounce.
            await WaitUntilAsync(async () => (await client.ListPromptsAsync()).Any(p => p.Name == "greeting"));
            var rendered = await client.GetPromptAsync("greeting", new Dictionary<string, object?> { ["who"] = "Ada" });

            Assert.Equal("Hello, Ada!", Assert.IsType<TextContentBlock>(Assert.Single(rendered.Messages).Content).Text);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task A_prompt_whose_template_does_not_parse_is_listed_and_each_get_says_why()
    {
        // Templates are parsed on first use (a server that never renders a prompt never loads the Liquid parser), so a
        // broken body no longer keeps the prompt out of the list: its get fails, in each door's shape, naming the error.
        await using var client = await SdkClients.ConnectAsync(server, "2025-11-25");
        var file = Path.Combine(server.PromptsFolder, "broken_body.md");
        await File.WriteAllTextAsync(file, """
            ---
            name: broken_body
            description: Its second message never closes its if.
            ---
            Fine so far.
            <!-- assistant -->
            {% if true %}unfinished
            """);
        try
        {
            await WaitUntilAsync(async () => (await client.ListPromptsAsync()).Any(p => p.Name == "broken_body"));

            var error = await Assert.ThrowsAsync<McpProtocolException>(async () => await client.GetPromptAsync("broken_body"));
            Assert.Equal(McpErrorCode.InternalError, error.ErrorCode);
            Assert.Contains("prompt 'broken_body' cannot be rendered: message 2 (assistant) is not a valid Liquid template", error.Message, StringComparison.Ordinal);

            using var rest = new Rest.RestClient(server.BaseAddress);
            var rendered = await rest.PostJsonAsync("/api/v1/prompts/broken_body/render", "{}");
            var problem = rendered.AssertProblem(System.Net.HttpStatusCode.InternalServerError, "internal");
            Assert.Contains("message 2 (assistant) is not a valid Liquid template", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

            // The other prompts still render.
            Assert.NotEmpty((await client.GetPromptAsync("code_review", new Dictionary<string, object?> { ["code"] = "x = 1" })).Messages);
        }
        finally
        {
            File.Delete(file);
        }

        await WaitUntilAsync(async () => !(await client.ListPromptsAsync()).Any(p => p.Name == "broken_body"));
    }

    [Fact]
    public async Task A_tool_that_runs_past_its_timeout_is_stopped_with_a_tool_error()
    {
        var registry = server.Services.GetRequiredService<ToolRegistry>();
        registry.Add(MethodTool.FromMethod(Method(nameof(Sleepy)), server.Services));
        await using var client = await SdkClients.ConnectAsync(server, "2026-07-28");
        try
        {
            var result = await client.CallToolAsync("sleepy");

            Assert.True(result.IsError);
            Assert.Contains("did not finish within 1 s", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text, StringComparison.Ordinal);
        }
        finally
        {
            registry.Remove("sleepy");
        }
    }

    [Fact]
    public async Task A_call_the_client_cancels_stops_the_tool()
    {
        var registry = server.Services.GetRequiredService<ToolRegistry>();
        registry.Add(MethodTool.FromMethod(Method(nameof(WaitForCancellationAsync)), server.Services));
        await using var client = await SdkClients.ConnectAsync(server, "2025-11-25");
        try
        {
            using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.CallToolAsync("wait_for_cancellation", cancellationToken: cancel.Token).AsTask());

            Assert.True(await SlowToolCancelled.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        }
        finally
        {
            registry.Remove("wait_for_cancellation");
        }
    }

    [McpTool("sleepy", TimeoutSeconds = 1)]
    [Description("Sleeps longer than its timeout.")]
    private static async Task<string> Sleepy(McpCallContext context)
    {
        await Task.Delay(TimeSpan.FromSeconds(30), context.CancellationToken);
        return "woke up";
    }

    [McpTool("wait_for_cancellation")]
    [Description("Waits until it is cancelled.")]
    private static async Task<string> WaitForCancellationAsync(McpCallContext context)
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(30), context.CancellationToken);
            return "not cancelled";
        }
        catch (OperationCanceledException)
        {
            SlowToolCancelled.TrySetResult(true);
            throw;
        }
    }

    private static MethodInfo Method(string name) =>
        typeof(RunTimeChangeTests).GetMethod(name, BindingFlags.NonPublic | BindingFlags.Static)!;

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 100; i++)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail("the condition did not become true within 10 s");
    }
}
