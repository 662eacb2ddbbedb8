using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using ContextHub.Messaging;
using ContextHub.Protocol;
using ContextHub.Tasks;
using ContextHub.Tools;
using ModelContextProtocol.Protocol;

namespace ContextHub.Samples.Conformance;

/// <summary>The tools the conformance suite's tasks scenarios (SEP-2663) expect.</summary>
[McpToolType]
public static class TaskFixtureTools
{
    [McpTool("greet")]
    [Description("Greets someone at once (never a task).")]
    public static string Greet([Description("Who to greet.")] string name) => $"Hello, {name}!";

    [McpTool("slow_compute", TaskSupport = ToolTaskSupport.Optional)]
    [Description("Sleeps for some seconds, then answers; runs as a task when the client can take one.")]
    public static async Task<string> SlowComputeAsync(McpCallContext context,
        [Description("Seconds to sleep (0-600).")] double seconds = 1,
        [Description("A label echoed in the result.")] string label = "")
    {
        if (seconds is < 0 or > 600)
        {
            throw new ArgumentException("seconds must be from 0 to 600.");
        }

        await Task.Delay(TimeSpan.FromSeconds(seconds), context.CancellationToken);
        return $"Computed {label} after {seconds} s.";
    }

    [McpTool("failing_job", TaskSupport = ToolTaskSupport.Required)]
    [Description("Runs only as a task and ends with a tool error after about a second.")]
    public static async Task<CallToolResult> FailingJobAsync(McpCallContext context)
    {
        await Task.Delay(TimeSpan.FromSeconds(1), context.CancellationToken);
        return ToolResults.Error("The job failed on purpose.");
    }

    [McpTool("protocol_error_job", TaskSupport = ToolTaskSupport.Optional)]
    [Description("Runs as a task and ends with a protocol error.")]
    public static async Task<string> ProtocolErrorJobAsync(McpCallContext context)
    {
        await Task.Delay(TimeSpan.FromMilliseconds(300), context.CancellationToken);
        throw McpErrorException.Internal("the job broke on purpose");
    }

    [McpTool("confirm_delete", TaskSupport = ToolTaskSupport.Optional)]
    [Description("Asks the user to confirm deleting a file (elicitation inside the task), then reports.")]
    public static async Task<string> ConfirmDeleteAsync(McpCallContext context, [Description("The file to delete.")] string filename)
    {
        var answer = await context.RequestInputAsync(RequestMethods.ElicitationCreate, ConfirmSchema($"Delete {filename}?"));
        return Confirmed(answer) ? $"Deleted {filename}." : $"Kept {filename}.";
    }

    [McpTool("multi_input", TaskSupport = ToolTaskSupport.Optional)]
    [Description("Asks two questions at once (two pending inputs), then reports both answers.")]
    public static async Task<string> MultiInputAsync(McpCallContext context)
    {
        var answers = await Task.WhenAll(
            context.RequestInputAsync(RequestMethods.ElicitationCreate, ConfirmSchema("First question?")),
            context.RequestInputAsync(RequestMethods.ElicitationCreate, ConfirmSchema("Second question?")));
        return string.Join("; ", answers.Select(a => a.GetRawText()));
    }

    [McpTool("test_tool_with_task", TaskSupport = ToolTaskSupport.Required, StartsTaskItself = true)]
    [Description("Asks the user's name in an input round trip, then goes on as a task that greets them.")]
    public static async Task<string> ToolWithTaskAsync(McpCallContext context)
    {
        var answer = await context.RequestInputAsync(RequestMethods.ElicitationCreate, ConformanceTools.NameSchema("What is your name?"), "user_name");
        var name = ConformanceTools.Field(answer, "name");
        await context.ContinueAsTaskAsync();
        await Task.Delay(TimeSpan.FromMilliseconds(300), context.CancellationToken);
        return $"Hello, {name}! (from a task)";
    }

    private static JsonObject ConfirmSchema(string message) => new()
    {
        ["mode"] = "form",
        ["message"] = message,
        ["requestedSchema"] = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject
            {
                ["confirm"] = new JsonObject { ["type"] = "boolean" },
                ["name"] = new JsonObject { ["type"] = "string" },
            },
        },
    };

    private static bool Confirmed(JsonElement answer) =>
        answer.ValueKind == JsonValueKind.Object && answer.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.Object
        && content.TryGetProperty("confirm", out var confirm) && confirm.ValueKind == JsonValueKind.True;
}
