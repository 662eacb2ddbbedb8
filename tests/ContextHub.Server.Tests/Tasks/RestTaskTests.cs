using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ContextHub.Server.Tests.Infrastructure;
using ContextHub.Server.Tests.SdkClient;
using ModelContextProtocol;

namespace ContextHub.Server.Tests.Tasks;

/// <summary>Tasks through the REST door: 202 with a Location, GET for status and result, DELETE to cancel, problems for the rest.</summary>
[Collection(ServerCollection.Name)]
public sealed class RestTaskTests(TestServer server) : IDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    [Fact]
    public async Task A_long_call_started_as_a_task_answers_202_and_its_result_is_read_later()
    {
        using var started = await PostAsync("/api/v1/tools/countdown/call?task=true", """{"from":2,"intervalMs":50}""");
        var location = started.Headers.Location!;
        var body = await JsonAsync(started);

        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        Assert.Equal($"/api/v1/tasks/{body["taskId"]!.GetValue<string>()}", location.OriginalString);
        Assert.NotNull(started.Headers.RetryAfter);
        var done = await PollAsync(location);
        Assert.Equal("completed", done["status"]!.GetValue<string>());
        Assert.Equal("Counted down from 2.", done["result"]!["content"]![0]!["text"]!.GetValue<string>());
        using var result = await _http.GetAsync(new Uri(server.BaseAddress, location + "/result"));
        Assert.Equal(HttpStatusCode.OK, result.StatusCode);
        Assert.Equal("Counted down from 2.", (await JsonAsync(result))["content"]![0]!["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task Delete_cancels_and_the_result_of_a_cancelled_task_is_a_conflict()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server.BaseAddress, "/api/v1/tools/countdown/call"))
        {
            Content = new StringContent("""{"from":100,"intervalMs":2000}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Prefer", "respond-async");
        using var started = await _http.SendAsync(request);
        var location = started.Headers.Location!;

        using var running = await _http.GetAsync(new Uri(server.BaseAddress, location + "/result"));
        using var cancelled = await _http.DeleteAsync(new Uri(server.BaseAddress, location));
        using var status = await _http.GetAsync(new Uri(server.BaseAddress, location));
        using var result = await _http.GetAsync(new Uri(server.BaseAddress, location + "/result"));

        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, running.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, cancelled.StatusCode);
        Assert.Equal("cancelled", (await JsonAsync(status))["status"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Conflict, result.StatusCode);
        Assert.Equal("application/problem+json", result.Content.Headers.ContentType!.MediaType);
        Assert.Equal("https://contexthub.dev/problems/conflict", (await JsonAsync(result))["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Bad_task_ids_other_callers_and_task_only_tools_get_problems()
    {
        using var unknown = await _http.GetAsync(new Uri(server.BaseAddress, "/api/v1/tasks/no-such-task"));
        using var unknownDelete = await _http.DeleteAsync(new Uri(server.BaseAddress, "/api/v1/tasks/no-such-task"));
        using var taskOnly = await PostAsync("/api/v1/tools/failing_job/call", "{}");
        using var notATask = await PostAsync("/api/v1/tools/echo/call?task=true", """{"message":"hi"}""");

        // A task made through REST belongs to its caller: an MCP session cannot see it.
        using var started = await PostAsync("/api/v1/tools/countdown/call?task=true", """{"from":1,"intervalMs":0}""");
        var taskId = (await JsonAsync(started))["taskId"]!.GetValue<string>();
        await using var session = await SdkClients.ConnectAsync(server, "2025-11-25");
        var hidden = await Assert.ThrowsAsync<McpProtocolException>(() => session.SendRequestAsync<JsonObject, JsonObject>(
            "tasks/get", new JsonObject { ["taskId"] = taskId }, McpJsonUtilities.DefaultOptions, cancellationToken: CancellationToken.None).AsTask());

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(-32602, (await JsonAsync(unknown))["code"]!.GetValue<int>());
        Assert.Equal(HttpStatusCode.NotFound, unknownDelete.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, taskOnly.StatusCode);
        Assert.Equal("https://contexthub.dev/problems/missing-capability", (await JsonAsync(taskOnly))["type"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, notATask.StatusCode);
        Assert.Equal("echo: hi", (await JsonAsync(notATask))["content"]![0]!["text"]!.GetValue<string>());
        Assert.Equal(McpErrorCode.InvalidParams, hidden.ErrorCode);
    }

    private async Task<HttpResponseMessage> PostAsync(string path, string json) =>
        await _http.PostAsync(new Uri(server.BaseAddress, path), new StringContent(json, Encoding.UTF8, "application/json"));

    private static async Task<JsonObject> JsonAsync(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();

    private async Task<JsonObject> PollAsync(Uri location)
    {
        for (var i = 0; i < 300; i++)
        {
            using var response = await _http.GetAsync(new Uri(server.BaseAddress, location));
            var task = await JsonAsync(response);
            if (task["status"]!.GetValue<string>() is "completed" or "failed" or "cancelled")
            {
                return task;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("The task did not finish.");
    }

    public void Dispose() => _http.Dispose();
}
