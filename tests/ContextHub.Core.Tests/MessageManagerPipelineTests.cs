using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using ContextHub.Hosting;
using ContextHub.Messaging;
using ContextHub.Protocol;
using ContextHub.Tools;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ContextHub.Core.Tests;

/// <summary>
/// The Message Manager's pipeline without any door: validation, then the filters in order, then dispatch, then every
/// recorder — and the error each refusal becomes.
/// </summary>
public sealed class MessageManagerPipelineTests
{
    [Fact]
    public async Task Filters_run_in_registration_order_before_the_tool_and_recorders_see_the_outcome()
    {
        var journal = new Journal();
        await using var services = Build(journal, b => b.WithFilter<FirstFilter>().WithFilter<SecondFilter>());

        await CallCountAsync(services);

        Assert.Equal(["filter:first", "filter:second", "tool", "recorded:tools/call:ok"], journal.Entries);
    }

    [Fact]
    public async Task A_filter_that_refuses_stops_the_request_before_the_tool_runs()
    {
        var journal = new Journal();
        await using var services = Build(journal, b => b.WithFilter<RefusingFilter>().WithFilter<SecondFilter>());

        var error = await Assert.ThrowsAsync<McpErrorException>(() => CallCountAsync(services));

        Assert.Equal(McpProtocol.ErrorCodes.InvalidRequest, error.Code);
        Assert.Equal("Invalid request: refused by policy", error.Message);
        Assert.DoesNotContain("tool", journal.Entries);
        Assert.DoesNotContain("filter:second", journal.Entries);
        Assert.Equal("recorded:tools/call:failed", journal.Entries[^1]);
    }

    [Fact]
    public async Task An_unexpected_failure_becomes_an_internal_error_with_a_correlation_id_and_no_inner_message()
    {
        var journal = new Journal();
        await using var services = Build(journal, b => b.WithFilter<CrashingFilter>());

        var error = await Assert.ThrowsAsync<McpErrorException>(() => CallCountAsync(services));

        Assert.Equal(McpProtocol.ErrorCodes.InternalError, error.Code);
        Assert.Contains("correlation id", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret detail", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_method_in_the_stateless_revision_is_method_not_found_with_http_404()
    {
        await using var services = Build(new Journal());

        var error = await Assert.ThrowsAsync<McpErrorException>(() =>
            services.GetRequiredService<MessageManager>().InvokeAsync("no/such/method", null, new McpCaller(McpTransportKind.InProcess), r => r, CancellationToken.None));

        Assert.Equal(McpProtocol.ErrorCodes.MethodNotFound, error.Code);
        Assert.Equal(404, error.HttpStatus);
    }

    [Theory]
    [InlineData("", "[]", McpProtocol.ErrorCodes.InvalidRequest)]              // empty method
    [InlineData("tools/list", "[1,2]", McpProtocol.ErrorCodes.InvalidRequest)] // params not an object
    [InlineData("tools/list", "{}", McpProtocol.ErrorCodes.InvalidRequest)]    // neither a session nor a protocol version
    public async Task Malformed_requests_are_refused_before_any_filter_runs(string method, string parameters, int code)
    {
        var journal = new Journal();
        await using var services = Build(journal, b => b.WithFilter<FirstFilter>());
        using var document = JsonDocument.Parse(parameters);
        using var id = JsonDocument.Parse("1");
        var request = new McpRequest { Method = method, Id = id.RootElement, Params = document.RootElement, Caller = new McpCaller(McpTransportKind.InProcess) };

        var error = await Assert.ThrowsAsync<McpErrorException>(() => services.GetRequiredService<MessageManager>().ProcessAsync(request, CancellationToken.None).AsTask());

        Assert.Equal(code, error.Code);
        Assert.DoesNotContain("filter:first", journal.Entries);
    }

    [Fact]
    public async Task An_unsupported_stateless_version_is_refused_with_the_supported_list()
    {
        await using var services = Build(new Journal());
        using var document = JsonDocument.Parse("""{"_meta":{"io.modelcontextprotocol/protocolVersion":"1999-01-01","io.modelcontextprotocol/clientCapabilities":{}}}""");
        using var id = JsonDocument.Parse("1");
        var request = new McpRequest { Method = "tools/list", Id = id.RootElement, Params = document.RootElement, Caller = new McpCaller(McpTransportKind.InProcess) };

        var error = await Assert.ThrowsAsync<McpErrorException>(() => services.GetRequiredService<MessageManager>().ProcessAsync(request, CancellationToken.None).AsTask());

        Assert.Equal(McpProtocol.ErrorCodes.UnsupportedProtocolVersion, error.Code);
        Assert.Equal(400, error.HttpStatus);
        Assert.Contains(McpProtocol.Revision20260728, error.ErrorData!["supported"]!.AsArray().Select(v => v!.GetValue<string>()));
    }

    [Fact]
    public async Task Cancellation_by_the_caller_ends_the_request_and_is_recorded()
    {
        var journal = new Journal();
        await using var services = Build(journal, b => b.WithFilter<SlowFilter>());
        using var cancellation = new CancellationTokenSource();
        var call = CallCountAsync(services, cancellation.Token);
        await journal.SlowFilterEntered.Task.WaitAsync(TimeSpan.FromSeconds(30));

        await cancellation.CancelAsync();

        await Assert.ThrowsAsync<McpErrorException>(() => call);
        Assert.Equal("recorded:tools/call:failed", journal.Entries[^1]);
        Assert.DoesNotContain("tool", journal.Entries);
    }

    private static ServiceProvider Build(Journal journal, Action<ContextHubBuilder>? configure = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>()).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(journal);
        services.AddSingleton<IMcpResultRecorder, JournalRecorder>();
        var builder = services.AddContextHub(configuration).WithTools(typeof(Counter));
        configure?.Invoke(builder);
        return services.BuildServiceProvider();
    }

    private static Task<JsonElement> CallCountAsync(ServiceProvider services, CancellationToken cancellationToken = default) =>
        services.GetRequiredService<MessageManager>().InvokeAsync("tools/call", new JsonObject { ["name"] = "count", ["arguments"] = new JsonObject() },
            new McpCaller(McpTransportKind.InProcess), r => r.ToJsonElement(), cancellationToken);

    internal sealed class Journal
    {
        private readonly List<string> _entries = [];

        public TaskCompletionSource SlowFilterEntered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IReadOnlyList<string> Entries
        {
            get
            {
                lock (_entries)
                {
                    return [.. _entries];
                }
            }
        }

        public void Add(string entry)
        {
            lock (_entries)
            {
                _entries.Add(entry);
            }
        }
    }

    private sealed class FirstFilter(Journal journal) : IMcpRequestFilter
    {
        public ValueTask OnRequestAsync(McpRequest request, CancellationToken cancellationToken)
        {
            journal.Add("filter:first");
            return ValueTask.CompletedTask;
        }
    }

    private sealed class SecondFilter(Journal journal) : IMcpRequestFilter
    {
        public ValueTask OnRequestAsync(McpRequest request, CancellationToken cancellationToken)
        {
            journal.Add("filter:second");
            return ValueTask.CompletedTask;
        }
    }

    private sealed class RefusingFilter : IMcpRequestFilter
    {
        public ValueTask OnRequestAsync(McpRequest request, CancellationToken cancellationToken) =>
            throw McpErrorException.InvalidRequest("refused by policy");
    }

    private sealed class CrashingFilter : IMcpRequestFilter
    {
        public ValueTask OnRequestAsync(McpRequest request, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("secret detail");
    }

    private sealed class SlowFilter(Journal journal) : IMcpRequestFilter
    {
        public async ValueTask OnRequestAsync(McpRequest request, CancellationToken cancellationToken)
        {
            journal.SlowFilterEntered.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
    }

    private sealed class JournalRecorder(Journal journal) : IMcpResultRecorder
    {
        public void Record(McpRequest request, in McpResult result, Exception? error, TimeSpan duration) =>
            journal.Add($"recorded:{request.Method}:{(error is null ? "ok" : "failed")}");
    }

    [McpToolType]
    private static class Counter
    {
        [McpTool("count")]
        [Description("Counts one call.")]
        public static string Count(Journal journal)
        {
            journal.Add("tool");
            return "1";
        }
    }
}
