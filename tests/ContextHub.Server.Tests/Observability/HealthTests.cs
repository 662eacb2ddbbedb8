using System.Net;
using System.Text.Json;

namespace ContextHub.Server.Tests.Observability;

/// <summary>
/// <c>/health/live</c> and <c>/health/ready</c> of a real ContextHub process, with a real redis-server as a dependency
/// that goes away and comes back; the observability settings checked at start.
/// </summary>
public sealed class HealthTests : IAsyncLifetime
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("contexthub-health-");
    private readonly List<ExternalProcess> _processes = [];

    [Fact]
    public async Task Ready_follows_a_dependency_down_and_back_and_live_stays_up()
    {
        var redisPort = ExternalProcess.FreePort();
        var redis = StartRedis(redisPort);
        var (hub, address) = Track(ExternalProcess.StartContextHub(Path.Combine(_folder.FullName, "knowledge"),
            $"--ContextHub:Observability:Health:Dependencies:redis=127.0.0.1:{redisPort}", "--ContextHub:Observability:Health:ProbeInterval=00:00:01"));
        var ready = new Uri(address, "/health/ready");
        await hub.WaitForAsync(_http, ready, HttpStatusCode.OK, TimeSpan.FromSeconds(60));

        var (status, body) = await GetAsync(ready);
        Assert.Equal(200, status);
        Assert.Equal("Healthy", body.GetProperty("status").GetString());
        Assert.Equal("Healthy", body.GetProperty("checks").GetProperty("redis").GetProperty("status").GetString());
        Assert.Equal("Healthy", body.GetProperty("checks").GetProperty("knowledge_store").GetProperty("status").GetString());
        await WaitForMetricAsync(address, "dependency=\"redis\"} 1");

        await redis.DisposeAsync(); // redis goes away
        await hub.WaitForAsync(_http, ready, HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(20));
        (status, body) = await GetAsync(ready);
        Assert.Equal(503, status);
        Assert.Equal("Unhealthy", body.GetProperty("status").GetString());
        Assert.Equal("Unhealthy", body.GetProperty("checks").GetProperty("redis").GetProperty("status").GetString());
        Assert.Contains($"127.0.0.1:{redisPort}", body.GetProperty("checks").GetProperty("redis").GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Equal("Healthy", body.GetProperty("checks").GetProperty("knowledge_store").GetProperty("status").GetString());
        await WaitForMetricAsync(address, "dependency=\"redis\"} 0");

        // The process itself is fine: live says so, and the old /healthz still answers.
        (status, body) = await GetAsync(new Uri(address, "/health/live"));
        Assert.Equal(200, status);
        Assert.Equal("Healthy", body.GetProperty("status").GetString());
        Assert.Equal("ok", await _http.GetStringAsync(new Uri(address, "/healthz")));

        StartRedis(redisPort); // and comes back
        await hub.WaitForAsync(_http, ready, HttpStatusCode.OK, TimeSpan.FromSeconds(20));
        await WaitForMetricAsync(address, "dependency=\"redis\"} 1");
    }

    [Fact]
    public async Task With_the_redis_backend_ready_pings_redis_through_the_multiplexer_and_follows_it_down_and_back()
    {
        var redisPort = ExternalProcess.FreePort();
        var redis = StartRedis(redisPort);
        await WaitForRedisAsync(redisPort);
        var (hub, address) = Track(ExternalProcess.StartContextHub(Path.Combine(_folder.FullName, "knowledge-redis"),
            $"--ContextHub:Redis:Configuration=127.0.0.1:{redisPort}", "--ContextHub:Observability:Health:ProbeInterval=00:00:01",
            $"--ContextHub:Observability:Health:Dependencies:redis=127.0.0.1:{redisPort}")); // replaced by the PING, not probed twice
        var ready = new Uri(address, "/health/ready");
        await hub.WaitForAsync(_http, ready, HttpStatusCode.OK, TimeSpan.FromSeconds(60));

        var (status, body) = await GetAsync(ready);
        Assert.Equal(200, status);
        var check = body.GetProperty("checks").GetProperty("redis");
        Assert.Equal("Healthy", check.GetProperty("status").GetString());
        Assert.StartsWith("PING answered in ", check.GetProperty("description").GetString(), StringComparison.Ordinal);

        await redis.DisposeAsync(); // redis goes away
        await hub.WaitForAsync(_http, ready, HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(20));
        (status, body) = await GetAsync(ready);
        Assert.Equal(503, status);
        check = body.GetProperty("checks").GetProperty("redis");
        Assert.Equal("Unhealthy", check.GetProperty("status").GetString());
        Assert.StartsWith("Redis did not answer PING", check.GetProperty("description").GetString(), StringComparison.Ordinal);
        await WaitForMetricAsync(address, "dependency=\"redis\"} 0");

        StartRedis(redisPort); // and comes back: ready again once the multiplexer has reconnected
        await hub.WaitForAsync(_http, ready, HttpStatusCode.OK, TimeSpan.FromSeconds(40));
        await WaitForMetricAsync(address, "dependency=\"redis\"} 1");
    }

    private static async Task WaitForRedisAsync(int port)
    {
        var server = new ContextHub.Server.Tests.Redis.RedisServer(Path.GetTempPath(), port);
        for (var i = 0; i < 100 && !await server.PingAsync(); i++)
        {
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task With_metrics_off_there_is_no_metrics_endpoint_and_health_still_answers()
    {
        var (hub, address) = Track(ExternalProcess.StartContextHub(Path.Combine(_folder.FullName, "knowledge"), "--ContextHub:Observability:Metrics:Enabled=false"));
        await hub.WaitForAsync(_http, new Uri(address, "/health/ready"), HttpStatusCode.OK, TimeSpan.FromSeconds(60));

        using var metrics = await _http.GetAsync(new Uri(address, "/metrics"));
        Assert.Equal(HttpStatusCode.NotFound, metrics.StatusCode);
    }

    [Fact]
    public async Task Past_the_cardinality_limit_further_label_sets_are_counted_in_the_overflow_series()
    {
        var (hub, address) = Track(ExternalProcess.StartContextHub(Path.Combine(_folder.FullName, "knowledge"), "--ContextHub:Observability:Metrics:CardinalityLimit=2"));
        await hub.WaitForAsync(_http, new Uri(address, "/health/ready"), HttpStatusCode.OK, TimeSpan.FromSeconds(60));
        // Four label sets of contexthub.http.server.request.duration (door × method × status): more than the limit of 2.
        await _http.GetStringAsync(new Uri(address, "/healthz"));
        await _http.GetStringAsync(new Uri(address, "/api/v1/tools"));
        using (await _http.GetAsync(new Uri(address, "/no-such-page")))
        {
        }

        using (await _http.PostAsync(new Uri(address, "/api/v1/tools/no-such-tool/call"), new StringContent("{}", System.Text.Encoding.UTF8, "application/json")))
        {
        }

        var metrics = await _http.GetStringAsync(new Uri(address, "/metrics"));
        Assert.Matches("contexthub_http_server_request_duration_seconds_count\\{[^}]*otel_metric_overflow=\"true\"[^}]*\\} [1-9]", metrics);
        Assert.Contains("dotnet_gc_collections_total", metrics, StringComparison.Ordinal); // the fixed-label instruments are still there
    }

    [Fact]
    public async Task With_the_aspnetcore_meters_setting_aspnetcores_request_histogram_is_exported_beside_contexthubs()
    {
        var (hub, address) = Track(ExternalProcess.StartContextHub(Path.Combine(_folder.FullName, "knowledge"), "--ContextHub:Observability:Metrics:AspNetCoreMeters=true"));
        await hub.WaitForAsync(_http, new Uri(address, "/health/ready"), HttpStatusCode.OK, TimeSpan.FromSeconds(60));
        await _http.GetStringAsync(new Uri(address, "/healthz"));

        var metrics = await _http.GetStringAsync(new Uri(address, "/metrics"));

        Assert.Contains("contexthub_dependency_up{", metrics, StringComparison.Ordinal);
        Assert.Contains("dotnet_process_memory_working_set_bytes", metrics, StringComparison.Ordinal);
        Assert.Contains("# TYPE http_server_request_duration_seconds ", metrics, StringComparison.Ordinal);
        Assert.Matches("contexthub_http_server_request_duration_seconds_count\\{[^}]*contexthub_door=\"observability\",http_response_status_code=\"200\"\\}", metrics);
        Assert.Contains("kestrel_", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("otel_metric_overflow", metrics, StringComparison.Ordinal); // the default limits hold every series
    }

    [Theory]
    [InlineData("--ContextHub:Observability:Health:Dependencies:redis=no-port-here", "ContextHub:Observability:Health:Dependencies:redis must be host:port")]
    [InlineData("--ContextHub:Observability:Metrics:Path=metrics", "ContextHub:Observability:Metrics:Path must be a path starting with '/'")]
    [InlineData("--ContextHub:Observability:Otlp:Endpoint=collector:4317", "ContextHub:Observability:Otlp:Endpoint must be an absolute http or https URL")]
    [InlineData("--ContextHub:Observability:Health:ProbeInterval=00:00:00", "ContextHub:Observability:Health:ProbeInterval must be positive")]
    [InlineData("--ContextHub:Observability:Metrics:CardinalityLimit=0", "ContextHub:Observability:Metrics:CardinalityLimit must be 1 to 1000000")]
    public async Task A_bad_setting_stops_the_server_with_a_message_naming_it(string setting, string message)
    {
        var (hub, _) = Track(ExternalProcess.StartContextHub(Path.Combine(_folder.FullName, "knowledge"), setting));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!hub.HasExited && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        Assert.True(hub.HasExited, "the server kept running with " + setting);
        Assert.Contains(message, hub.Output, StringComparison.Ordinal);
    }

    private ExternalProcess StartRedis(int port) =>
        Track(ExternalProcess.Start("redis-server", ["--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no"]));

    private T Track<T>(T started)
    {
        _processes.Add(started switch { ExternalProcess p => p, ValueTuple<ExternalProcess, Uri> t => t.Item1, _ => throw new ArgumentException(null, nameof(started)) });
        return started;
    }

    private async Task<(int Status, JsonElement Body)> GetAsync(Uri url)
    {
        using var response = await _http.GetAsync(url);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return ((int)response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    private async Task WaitForMetricAsync(Uri address, string line)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        var metrics = "";
        while (DateTime.UtcNow < deadline)
        {
            metrics = await _http.GetStringAsync(new Uri(address, "/metrics"));
            if (metrics.Split('\n').Any(l => l.StartsWith("contexthub_dependency_up{", StringComparison.Ordinal) && l.EndsWith(line, StringComparison.Ordinal)))
            {
                return;
            }

            await Task.Delay(250);
        }

        Assert.Fail($"/metrics never had contexthub_dependency_up ...{line}:\n" + string.Join('\n', metrics.Split('\n').Where(l => l.Contains("dependency", StringComparison.Ordinal))));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        _http.Dispose();
        try
        {
            _folder.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
