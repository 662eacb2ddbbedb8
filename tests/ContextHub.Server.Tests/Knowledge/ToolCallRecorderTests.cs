using System.Diagnostics.Metrics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ContextHub.Knowledge;
using ContextHub.Knowledge.Indexes;
using ContextHub.Messaging;
using ContextHub.Protocol;
using ContextHub.Server.Hosting;
using ContextHub.Server.KnowledgeBase;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using ModelContextProtocol.Protocol;

namespace ContextHub.Server.Tests.Knowledge;

/// <summary>The tool-call record: nothing lost under load, drops counted when the queue is full, old records deleted by the retention settings.</summary>
public sealed class ToolCallRecorderTests : IAsyncDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("contexthub-calls-").FullName;

    [Fact]
    public async Task Every_one_of_thousands_of_concurrent_calls_is_recorded()
    {
        const int Calls = 6_000;
        const int Clients = 16;
        await using var app = await StartServerAsync(new()
        {
            ["ContextHub:Knowledge:ToolCallRecording:FlushInterval"] = "00:00:00.1",
        });
        var endpoint = new Uri(Address(app), "/mcp");
        using var http = new HttpClient();

        var next = 0;
        var answered = 0;
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) <= Calls)
            {
                using var response = await http.SendAsync(EchoRequest(endpoint, "hello"));
                var body = await response.Content.ReadAsStringAsync();
                Assert.True(response.IsSuccessStatusCode, body);
                Assert.Contains("echo: hello", body, StringComparison.Ordinal);
                Interlocked.Increment(ref answered);
            }
        }));

        var recorder = app.Services.GetRequiredService<ToolCallRecorder>();
        var store = app.Services.GetRequiredService<KnowledgeHost>().Service.Store.Metadata;
        long stored = 0;
        for (var i = 0; i < 200 && (stored = (await store.GetStatsAsync()).ToolCalls) < Calls; i++)
        {
            await Task.Delay(50); // written every 100 ms, without the server stopping
        }

        Assert.Equal(Calls, answered);
        Assert.Equal(Calls, stored);
        Assert.Equal(Calls, recorder.Written);
        Assert.Equal(0, recorder.Dropped);
        var listed = await store.GetToolCallsAsync(new ToolCallQuery { Tool = "echo", Outcome = ToolCallOutcome.Success, Limit = Calls + 10 });
        Assert.Equal(Calls, listed.Count);
        Assert.All(listed, r => Assert.Equal("anonymous@streamablehttp", r.Caller));
        Assert.Single(listed.Select(r => r.ArgumentsHash).Distinct());
        Assert.Equal(Calls, listed.Select(r => r.Id).Distinct().Count());
    }

    [Fact]
    public async Task Calls_still_queued_when_the_server_stops_are_written_before_it_exits()
    {
        await using var app = await StartServerAsync(new()
        {
            ["ContextHub:Knowledge:ToolCallRecording:FlushInterval"] = "00:01:00", // no flush before the stop
        });
        await CallEchoAsync(app, 50, "bye");

        var recorder = app.Services.GetRequiredService<ToolCallRecorder>();
        var knowledge = app.Services.GetRequiredService<KnowledgeHost>();
        await knowledge.GetServiceAsync(CancellationToken.None);
        Assert.Equal(50, recorder.Queued);

        await app.StopAsync();

        Assert.Equal(50, (await knowledge.Service.Store.Metadata.GetStatsAsync()).ToolCalls);
        Assert.Equal(50, recorder.Written);
    }

    [Fact]
    public async Task Calls_answered_while_the_store_opens_are_written_when_the_server_stops_before_it_opened()
    {
        // The store opens in the background and calls made meanwhile wait in the queue. A stop that comes before the
        // store has opened waits for it and writes them (before: the writer never started and they were lost silently).
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await StartServerAsync(new(), services => HoldStoreOpening(services, gate.Task));
        await CallEchoAsync(app, 50, "early");

        var recorder = app.Services.GetRequiredService<ToolCallRecorder>();
        var knowledge = app.Services.GetRequiredService<KnowledgeHost>();
        Assert.Throws<InvalidOperationException>(() => knowledge.Service); // still opening
        Assert.Equal(50, recorder.Queued);

        var stopping = app.StopAsync();
        await Task.Delay(300);
        Assert.False(stopping.IsCompleted); // waiting for the store
        gate.SetResult();
        await stopping.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(50, recorder.Written);
        Assert.Equal(50, (await knowledge.Service.Store.Metadata.GetStatsAsync()).ToolCalls);
    }

    [Fact]
    public async Task Calls_queued_for_a_store_that_never_opens_are_counted_as_dropped_when_the_server_stops()
    {
        var never = new TaskCompletionSource();
        await using var app = await StartServerAsync(new(), services =>
        {
            HoldStoreOpening(services, never.Task);
            services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(1)); // how long a stop waits for the store
        });
        await CallEchoAsync(app, 20, "lost");

        var recorder = app.Services.GetRequiredService<ToolCallRecorder>();
        await app.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
        for (var i = 0; i < 100 && recorder.Dropped < 20; i++)
        {
            await Task.Delay(50); // the knowledge host's stop ends the opening; the recorder then counts what it held
        }

        Assert.Equal(20, recorder.Dropped);
        Assert.Equal(0, recorder.Written);
    }

    /// <summary>Makes <paramref name="count"/> echo calls over HTTP, one after another, each answered.</summary>
    private static async Task CallEchoAsync(WebApplication app, int count, string prefix)
    {
        var endpoint = new Uri(Address(app), "/mcp");
        using var http = new HttpClient();
        for (var i = 0; i < count; i++)
        {
            using var response = await http.SendAsync(EchoRequest(endpoint, prefix + " " + i));
            response.EnsureSuccessStatusCode();
        }
    }

    private static void HoldStoreOpening(IServiceCollection services, Task gate)
    {
        var registered = services.Last(d => d.ServiceType == typeof(IKnowledgeStoreOpener));
        services.Remove(registered);
        services.AddSingleton<IKnowledgeStoreOpener>(provider => new HeldOpener(
            (IKnowledgeStoreOpener)(registered.ImplementationInstance
                ?? registered.ImplementationFactory?.Invoke(provider)
                ?? ActivatorUtilities.CreateInstance(provider, registered.ImplementationType!)),
            gate));
    }

    private sealed class HeldOpener(IKnowledgeStoreOpener inner, Task gate) : IKnowledgeStoreOpener
    {
        public string Location => inner.Location;

        public async Task<IKnowledgeStore> OpenAsync(CancellationToken cancellationToken)
        {
            await gate.WaitAsync(cancellationToken);
            return await inner.OpenAsync(cancellationToken);
        }
    }

    [Fact]
    public async Task A_full_queue_drops_records_and_counts_them_in_a_metric_and_a_log_line()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-03-01T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var knowledge = await OpenKnowledgeAsync();
        var logs = new ListLogger<ToolCallRecorder>();
        using var meters = new TestMeterFactory();
        using var listener = new MeterListener();
        long droppedMetric = 0, writtenMetric = 0;
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ToolCallRecorder.MeterName && meters.Made(instrument.Meter)) // not other tests' servers
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            if (instrument.Name == "contexthub.tool_call_records.dropped")
            {
                Interlocked.Exchange(ref droppedMetric, value); // observed: the total since start
            }
            else if (instrument.Name == "contexthub.tool_call_records.written")
            {
                Interlocked.Add(ref writtenMetric, value);
            }
        });
        listener.Start();

        using var recorder = new ToolCallRecorder(knowledge, Options(new ToolCallRecordingOptions { QueueCapacity = 10, FlushInterval = TimeSpan.FromSeconds(1) }),
            time, meters, logs);
        await recorder.StartAsync(CancellationToken.None);
        Interlocked.Exchange(ref droppedMetric, -1);
        listener.RecordObservableInstruments();
        Assert.Equal(0, Interlocked.Read(ref droppedMetric)); // the series exists at 0 before the first drop
        for (var i = 0; i < 25; i++)
        {
            RecordEcho(recorder, "call " + i);
        }

        Assert.Equal(15, recorder.Dropped);
        listener.RecordObservableInstruments();
        Assert.Equal(15, Interlocked.Read(ref droppedMetric));
        await AdvanceUntilAsync(time, TimeSpan.FromSeconds(1), () => recorder.Written == 10);
        await AdvanceUntilAsync(time, TimeSpan.FromSeconds(1), () => logs.Messages.Any(m => m.Contains("tool-call records dropped", StringComparison.Ordinal)));
        await recorder.StopAsync(CancellationToken.None);

        Assert.Equal(10, Interlocked.Read(ref writtenMetric));
        Assert.Equal(10, (await knowledge.Service.Store.Metadata.GetStatsAsync()).ToolCalls);
        var line = Assert.Single(logs.Messages, m => m.Contains("tool-call records dropped", StringComparison.Ordinal));
        Assert.StartsWith("15 tool-call records dropped (15 since start)", line, StringComparison.Ordinal);
        Assert.Contains("ContextHub:Knowledge:ToolCallRecording:QueueCapacity is 10", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Results_of_every_length_and_failures_keep_their_text_across_flushes_and_reused_queue_segments()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-03-01T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var knowledge = await OpenKnowledgeAsync();
        using var meters = new TestMeterFactory();
        using var recorder = new ToolCallRecorder(knowledge, Options(new ToolCallRecordingOptions { FlushInterval = TimeSpan.FromSeconds(1) }),
            time, meters, NullLogger<ToolCallRecorder>.Instance);
        await recorder.StartAsync(CancellationToken.None);

        // Three flushes of 1,700 calls: more than six segments of 256 calls and several chunks of text each, the later
        // flushes on the segments and chunks the first gave back. Results from empty to past the 200 characters kept.
        var expected = new List<string>();
        for (var flush = 0; flush < 3; flush++)
        {
            for (var i = 0; i < 1_700; i++)
            {
                var n = (flush * 1_700) + i;
                if (n % 97 == 0)
                {
                    RecordFailure(recorder, new InvalidOperationException("no " + n));
                    expected.Add("InvalidOperationException");
                    continue;
                }

                var message = n + new string('x', n % 260); // "echo: " + message: 7 to 270 characters
                RecordEcho(recorder, message);
                var text = "echo: " + message;
                expected.Add(text.Length <= 200 ? text : text[..200] + "…");
            }

            await AdvanceUntilAsync(time, TimeSpan.FromSeconds(1), () => recorder.Written == (flush + 1) * 1_700);
        }

        await recorder.StopAsync(CancellationToken.None);
        Assert.Equal(0, recorder.Dropped);
        var stored = await knowledge.Service.Store.Metadata.GetToolCallsAsync(new ToolCallQuery { Limit = 10_000 });
        Assert.Equal(expected.Order(StringComparer.Ordinal), stored.Select(r => r.Result ?? "").Order(StringComparer.Ordinal));
        Assert.Equal(expected.Count(e => e == "InvalidOperationException"), stored.Count(r => r.Outcome == ToolCallOutcome.Error));
    }

    [Fact]
    public async Task Records_past_the_age_or_count_limit_are_deleted_oldest_first()
    {
        var start = DateTimeOffset.Parse("2026-03-01T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        var time = new FakeTimeProvider(start);
        await using var knowledge = await OpenKnowledgeAsync();
        using var meters = new TestMeterFactory();
        var retention = new ToolCallRetentionOptions { MaxAge = TimeSpan.FromHours(1), MaxCount = 2_500, Interval = TimeSpan.FromMinutes(10) };
        using var recorder = new ToolCallRecorder(knowledge, Options(new ToolCallRecordingOptions { FlushInterval = TimeSpan.FromSeconds(1) }, retention),
            time, meters, NullLogger<ToolCallRecorder>.Instance);
        await recorder.StartAsync(CancellationToken.None);
        var store = knowledge.Service.Store.Metadata;

        for (var i = 0; i < 300; i++)
        {
            RecordEcho(recorder, "old " + i);
        }

        await AdvanceUntilAsync(time, TimeSpan.FromSeconds(1), () => recorder.Written == 300);
        time.Advance(TimeSpan.FromMinutes(61)); // the 300 are now past the age limit, but not yet looked for
        // Six flushes of 500: six blocks (the store deletes whole blocks, each write being one).
        for (var flush = 0; flush < 6; flush++)
        {
            for (var i = flush * 500; i < (flush + 1) * 500; i++)
            {
                RecordEcho(recorder, "new " + i);
            }

            await AdvanceUntilAsync(time, TimeSpan.FromSeconds(1), () => recorder.Written == 300 + (flush + 1) * 500);
        }

        // A minute at a time: the retention pass comes within its 10-minute interval, long before the new ones age out.
        await AdvanceUntilAsync(time, TimeSpan.FromMinutes(1), () => recorder.Written == 3_300 && recorder.Deleted == 800);
        await recorder.StopAsync(CancellationToken.None);

        var kept = await store.GetToolCallsAsync(new ToolCallQuery { Limit = 10_000 });
        Assert.Equal(2_500, kept.Count);
        Assert.All(kept, r => Assert.StartsWith("echo: new ", r.Result, StringComparison.Ordinal));
        // The newest 2,500 of the 3,000 new ones: the oldest block (the first 500) went.
        Assert.Equal(Enumerable.Range(500, 2_500).Select(i => "echo: new " + i).Order(StringComparer.Ordinal),
            kept.Select(r => r.Result!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Retention_waits_for_its_interval_and_a_zero_limit_keeps_records()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-03-01T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var knowledge = await OpenKnowledgeAsync();
        using var meters = new TestMeterFactory();
        var retention = new ToolCallRetentionOptions { MaxAge = TimeSpan.FromMinutes(30), MaxCount = 0, Interval = TimeSpan.FromHours(1) };
        using var recorder = new ToolCallRecorder(knowledge, Options(new ToolCallRecordingOptions { FlushInterval = TimeSpan.FromSeconds(1) }, retention),
            time, meters, NullLogger<ToolCallRecorder>.Instance);
        await recorder.StartAsync(CancellationToken.None);

        for (var i = 0; i < 100; i++)
        {
            RecordEcho(recorder, "call " + i);
        }

        await AdvanceUntilAsync(time, TimeSpan.FromSeconds(1), () => recorder.Written == 100);
        time.Advance(TimeSpan.FromMinutes(40)); // past the age limit, but the next look is an hour after the first
        await AdvanceUntilAsync(time, TimeSpan.FromSeconds(1), () => true);
        Assert.Equal(0, recorder.Deleted);
        Assert.Equal(100, (await knowledge.Service.Store.Metadata.GetStatsAsync()).ToolCalls);

        await AdvanceUntilAsync(time, TimeSpan.FromMinutes(5), () => recorder.Deleted == 100);
        await recorder.StopAsync(CancellationToken.None);
        Assert.Equal(0, (await knowledge.Service.Store.Metadata.GetStatsAsync()).ToolCalls);
    }

    [Fact]
    public void Bad_recording_and_retention_settings_are_named_with_their_fix()
    {
        var options = new KnowledgeServerOptions
        {
            ToolCallRecording = new ToolCallRecordingOptions { QueueCapacity = 0, FlushInterval = TimeSpan.Zero },
            ToolCallRetention = new ToolCallRetentionOptions { MaxAge = TimeSpan.FromDays(-1), MaxCount = -5, Interval = TimeSpan.Zero },
        };

        var result = new KnowledgeServerOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        foreach (var setting in new[]
        {
            "ContextHub:Knowledge:ToolCallRecording:QueueCapacity is 0", "ContextHub:Knowledge:ToolCallRecording:FlushInterval is 00:00:00",
            "ContextHub:Knowledge:ToolCallRetention:MaxAge is -1.00:00:00", "ContextHub:Knowledge:ToolCallRetention:MaxCount is -5",
            "ContextHub:Knowledge:ToolCallRetention:Interval is 00:00:00",
        })
        {
            Assert.Contains(result.Failures!, f => f.StartsWith(setting, StringComparison.Ordinal));
        }

        Assert.True(new KnowledgeServerOptionsValidator().Validate(null, new KnowledgeServerOptions()).Succeeded);
    }

    [Fact]
    public async Task A_server_that_cannot_start_with_a_bad_queue_setting_says_which_one()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => StartServerAsync(new()
        {
            ["ContextHub:Knowledge:ToolCallRecording:QueueCapacity"] = "-1",
        }));

        Assert.Contains("ContextHub:Knowledge:ToolCallRecording:QueueCapacity is -1", error.Message, StringComparison.Ordinal);
    }

    // ------------------------------------------------------------------ servers, requests, clocks

    private async Task<WebApplication> StartServerAsync(Dictionary<string, string?> settings, Action<IServiceCollection>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AllowedHosts"] = "localhost;127.0.0.1",
            ["ContextHub:Samples:Enabled"] = "true",
            ["ContextHub:Knowledge:DataFolder"] = Path.Combine(_root, "knowledge-" + Guid.NewGuid().ToString("N")[..8]),
            ["ContextHub:Knowledge:Embeddings:Provider"] = "Hashing",
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddContextHubServer(builder.Configuration);
        configure?.Invoke(builder.Services);
        var app = builder.Build();
        app.MapContextHub();
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return app;
    }

    private static Uri Address(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    private static HttpRequestMessage EchoRequest(Uri endpoint, string message)
    {
        var body = """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"""
            + JsonSerializer.Serialize(message)
            + """},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}""";
        var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        request.Headers.Add("Mcp-Method", "tools/call");
        request.Headers.Add("Mcp-Name", "echo");
        request.Headers.Add("MCP-Protocol-Version", "2026-07-28");
        return request;
    }

    private async Task<KnowledgeHost> OpenKnowledgeAsync()
    {
        var (host, _) = KnowledgeHosts.Create(new Dictionary<string, string?>
        {
            ["DataFolder"] = Path.Combine(_root, "store-" + Guid.NewGuid().ToString("N")[..8]),
            ["Embeddings:Provider"] = "Hashing",
        });
        await host.StartAsync(CancellationToken.None);
        await host.GetServiceAsync(CancellationToken.None);
        return host;
    }

    private static IOptions<KnowledgeServerOptions> Options(ToolCallRecordingOptions recording, ToolCallRetentionOptions? retention = null) =>
        Microsoft.Extensions.Options.Options.Create(new KnowledgeServerOptions
        {
            ToolCallRecording = recording,
            ToolCallRetention = retention ?? new ToolCallRetentionOptions(),
        });

    private static void RecordEcho(ToolCallRecorder recorder, string message)
    {
        using var document = JsonDocument.Parse("""{"name":"echo","arguments":{"message":""" + JsonSerializer.Serialize(message) + "}}");
        var request = new McpRequest { Method = "tools/call", Params = document.RootElement, Caller = new McpCaller(McpTransportKind.InProcess) };
        var result = McpResult.Of(new CallToolResult { Content = [new TextContentBlock { Text = "echo: " + message }] }, McpJson.TypeInfo<CallToolResult>());
        recorder.Record(request, result, null, TimeSpan.FromMilliseconds(1));
    }

    private static void RecordFailure(ToolCallRecorder recorder, Exception error)
    {
        using var document = JsonDocument.Parse("""{"name":"echo","arguments":{"message":"fails"}}""");
        var request = new McpRequest { Method = "tools/call", Params = document.RootElement, Caller = new McpCaller(McpTransportKind.InProcess) };
        recorder.Record(request, default, error, TimeSpan.FromMilliseconds(1));
    }

    /// <summary>Moves the fake clock a step at a time, giving the background writer a moment after each, until the condition holds.</summary>
    private static async Task AdvanceUntilAsync(FakeTimeProvider time, TimeSpan step, Func<bool> condition)
    {
        for (var i = 0; i < 200; i++)
        {
            time.Advance(step);
            await Task.Delay(25);
            if (condition())
            {
                return;
            }
        }

        Assert.Fail("the condition did not hold after 200 steps of the clock");
    }

    public ValueTask DisposeAsync()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }

        return ValueTask.CompletedTask;
    }

    private sealed class TestMeterFactory : IMeterFactory
    {
        private readonly List<Meter> _meters = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options);
            _meters.Add(meter);
            return meter;
        }

        public bool Made(Meter meter) => _meters.Contains(meter);

        public void Dispose() => _meters.ForEach(m => m.Dispose());
    }

    private sealed class ListLogger<T> : ILogger<T>
    {
        private readonly List<string> _messages = [];

        public IReadOnlyList<string> Messages
        {
            get
            {
                lock (_messages)
                {
                    return [.. _messages];
                }
            }
        }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_messages)
            {
                _messages.Add(formatter(state, exception));
            }
        }
    }
}
