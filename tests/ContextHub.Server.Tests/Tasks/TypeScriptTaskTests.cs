using System.Text.Json;
using ContextHub.Server.Tests.Infrastructure;

namespace ContextHub.Server.Tests.Tasks;

/// <summary>The official TypeScript SDK client's experimental tasks (2025-11-25) against the gateway (tests/js/ts-task-client.mjs).</summary>
[Collection(ServerCollection.Name)]
public sealed class TypeScriptTaskTests(TestServer server)
{
    [Fact]
    public async Task Drives_tasks_to_result_through_input_and_to_cancellation()
    {
        var (exitCode, output, error) = await NodeTools.RunAsync(Path.Combine(NodeTools.NodeBin, "node"),
            ["ts-task-client.mjs", server.McpEndpoint.ToString()], TimeSpan.FromMinutes(2));

        Assert.True(exitCode == 0, $"ts-task-client.mjs exited {exitCode}: {error}\n{output}");
        var seen = JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement;
        Assert.Contains(seen.GetProperty("listed").EnumerateArray(), t => t.GetProperty("name").GetString() == "countdown" && t.GetProperty("taskSupport").GetString() == "optional");

        var completed = seen.GetProperty("completed").EnumerateArray().ToList();
        Assert.Equal("taskCreated", completed[0].GetProperty("type").GetString());
        Assert.Equal("Counted down from 2.", completed[^1].GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());

        var withInput = seen.GetProperty("withInput").EnumerateArray().ToList();
        Assert.Equal("taskCreated", withInput[0].GetProperty("type").GetString());
        Assert.Equal("Deleted notes.txt.", withInput[^1].GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());
        var ask = Assert.Single(seen.GetProperty("elicited").EnumerateArray());
        Assert.Equal(withInput[0].GetProperty("taskId").GetString(), ask.GetProperty("relatedTask").GetString());

        Assert.Equal("cancelled", seen.GetProperty("cancelAnswer").GetProperty("status").GetString());
        Assert.Equal("cancelled", seen.GetProperty("afterCancel").GetString());
        Assert.Equal(-32602, seen.GetProperty("cancelledResult").GetProperty("code").GetInt32());
        Assert.Equal(-32602, seen.GetProperty("badId").GetProperty("code").GetInt32());
        Assert.Contains(completed[0].GetProperty("taskId").GetString(), seen.GetProperty("listedTasks").EnumerateArray().Select(t => t.GetString()));
        // notifications/tasks/status on the session's stream, as the task moves.
        var heard = seen.GetProperty("notified").EnumerateArray().Where(n => n.GetProperty("taskId").GetString() == completed[0].GetProperty("taskId").GetString())
            .Select(n => n.GetProperty("status").GetString()).ToList();
        Assert.Contains("completed", heard);
        Assert.Contains(seen.GetProperty("notified").EnumerateArray(), n => n.GetProperty("status").GetString() == "input_required");
    }
}
