using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ContextHub.FanOut;

// Fan-out latency: N session clients hold GET streams on one replica, subscribed to one resource; the resource is
// changed through another replica; each client's time from sending that change to reading
// `notifications/resources/updated` is one sample. With the same URL twice it measures one replica alone.
// The change is `touch` (default): a tools/call of the sample tool touch_resource on test://watched-resource, which
// only raises resources/updated (the servers need ContextHub:Samples:Conformance=true), so a sample is the fan-out
// plus one HTTP request; or `ingest`: a knowledge document re-ingested (an embedding and a write inside every sample).
// Usage: ContextHub.FanOut <change-via base url> <listen-on base url> [subscribers=1,10,100] [rounds=200] [touch|ingest] [warm-up rounds=50]
//        [--trace <pid of change-via server>,<pid of listen-on server>] [--cpu pid,pid,...]
// The warm-up rounds of each subscriber count go through the same path first and are not sampled (as wrk warms up):
// at least that many and 2 s, 10 s before the first count, so the servers' and this client's hot methods are compiled
// at full optimization (tiered compilation goes on for seconds in the background) before any round is sampled.
// --trace attaches to the servers (EventPipe) and splits every sample into hops (HopTrace), with the GC pauses of the
// servers and of this client in each sample's window: which hop owns the tail.
string? Option(string name) => Array.IndexOf(args, name) is var at and >= 0 && at + 1 < args.Length ? args[at + 1] : null;
var trace = Option("--trace");
// --cpu pid,pid,...: CPU time (user + system, from /proc) of these processes and of this client per sampled round.
var cpuPids = Option("--cpu")?.Split(',').Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray() ?? [];
var positional = args.Where((a, i) => !a.StartsWith("--", StringComparison.Ordinal) && (i == 0 || !args[i - 1].StartsWith("--", StringComparison.Ordinal))).ToArray();
if (positional.Length < 2)
{
    Console.Error.WriteLine("usage: ContextHub.FanOut <change-via-url> <listen-on-url> [subscribers=1,10,100] [rounds=200] [touch|ingest] [warm-up rounds=50] [--trace pidA,pidB]");
    return 2;
}

var changeVia = new Uri(new Uri(positional[0]), "/mcp");
var listenOn = new Uri(new Uri(positional[1]), "/mcp");
var counts = (positional.Length > 2 ? positional[2] : "1,10,100").Split(',').Select(int.Parse).ToArray();
var rounds = positional.Length > 3 ? int.Parse(positional[3], CultureInfo.InvariantCulture) : 200;
var touch = (positional.Length > 4 ? positional[4] : "touch") == "touch";
var warmUp = positional.Length > 5 ? int.Parse(positional[5], CultureInfo.InvariantCulture) : 50;

using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1000, UseProxy = false }) { Timeout = Timeout.InfiniteTimeSpan };
var changer = await InitializeAsync(changeVia);
var uri = touch ? "test://watched-resource" : "kb://documents/" + await IngestAsync(changer, 0);
using var hops = trace is null ? null : HopTrace.Start([.. trace.Split(',').Select(p => int.Parse(p, CultureInfo.InvariantCulture))]);
var results = new List<string>();
var traced = new List<(int Subscribers, List<Sample> Samples)>();
var first = true;
var version = 0;
var warmedFor = new List<string>();
var cpuPerRound = new List<string>();
foreach (var n in counts)
{
    var sessions = new string[n];
    for (var i = 0; i < n; i++)
    {
        sessions[i] = await InitializeAsync(listenOn);
        await PostAsync(listenOn, sessions[i], "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"resources/subscribe\",\"params\":{\"uri\":" + JsonSerializer.Serialize(uri) + "}}");
    }

    var arrivals = new long[n];
    var pending = 0;
    var allIn = new TaskCompletionSource();
    using var stop = new CancellationTokenSource();
    var readers = sessions.Select((s, i) => ReadAsync(s, i)).ToArray();
    await Task.Delay(500); // streams open
    var samples = new List<Sample>(n * rounds);
    var missed = 0;
    // Unsampled rounds first: at least `warmUp` of them and 2 s (10 s before the first count, while the servers' and this
    // client's hot methods are recompiled at full optimization in the background).
    var warmFor = TimeSpan.FromSeconds(first ? 10 : 2);
    first = false;
    var warmStart = Stopwatch.GetTimestamp();
    var warmRounds = 0;
    while (warmRounds < warmUp || Stopwatch.GetElapsedTime(warmStart) < warmFor)
    {
        await RoundAsync(sampled: false);
        warmRounds++;
    }

    warmedFor.Add(string.Create(CultureInfo.InvariantCulture, $"{n}: {warmRounds} rounds, {Stopwatch.GetElapsedTime(warmStart).TotalSeconds:F1} s"));
    var cpuBefore = CpuMilliseconds();
    for (var round = 1; round <= rounds; round++)
    {
        await RoundAsync(sampled: true);
    }

    var cpuAfter = CpuMilliseconds();
    cpuPerRound.Add(string.Create(CultureInfo.InvariantCulture,
        $"{n}: {string.Join(", ", cpuAfter.Select((t, i) => $"{(i < cpuPids.Length ? "pid " + cpuPids[i] : "client")} {(t - cpuBefore[i]) / rounds:F2}"))}"));

    async Task RoundAsync(bool sampled)
    {
        Array.Clear(arrivals);
        Volatile.Write(ref pending, n);
        allIn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var pausedBefore = GC.GetTotalPauseDuration();
        var sent = Stopwatch.GetTimestamp();
        if (touch)
        {
            await PostAsync(changeVia, changer, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{\"name\":\"touch_resource\",\"arguments\":{\"uri\":\"test://watched-resource\"}}}");
        }
        else
        {
            await IngestAsync(changer, ++version);
        }

        await Task.WhenAny(allIn.Task, Task.Delay(5000));
        var clientPause = (GC.GetTotalPauseDuration() - pausedBefore).TotalMilliseconds;
        for (var i = 0; sampled && i < n; i++)
        {
            if (arrivals[i] == 0)
            {
                missed++;
            }
            else
            {
                samples.Add(new Sample(sessions[i], sent, arrivals[i], clientPause));
            }
        }

        await Task.Delay(20);
    }

    await stop.CancelAsync();
    foreach (var session in sessions)
    {
        using var end = new HttpRequestMessage(HttpMethod.Delete, listenOn);
        end.Headers.Add("Mcp-Session-Id", session);
        (await http.SendAsync(end)).Dispose();
    }

    var times = samples.Select(s => s.Milliseconds).Order().ToList();
    results.Add(string.Create(CultureInfo.InvariantCulture,
        $"| {n} | {times.Count} | {Percentile(times, 0.50):F2} | {Percentile(times, 0.90):F2} | {Percentile(times, 0.99):F2} | {(times.Count > 0 ? times[^1] : double.NaN):F2} | {missed} |"));
    traced.Add((n, samples));

    async Task ReadAsync(string session, int index)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, listenOn);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        request.Headers.Add("Mcp-Session-Id", session);
        request.Headers.Add("MCP-Protocol-Version", "2025-11-25");
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stop.Token);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(stop.Token));
            while (await reader.ReadLineAsync(stop.Token) is { } line)
            {
                if (line.StartsWith("data: ", StringComparison.Ordinal) && line.Contains("resources/updated", StringComparison.Ordinal)
                    && Interlocked.CompareExchange(ref arrivals[index], Stopwatch.GetTimestamp(), 0) == 0 && Interlocked.Decrement(ref pending) == 0)
                {
                    allIn.TrySetResult();
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or HttpRequestException)
        {
        }
    }
}

Console.WriteLine("| subscribers | samples | p50 ms | p90 ms | p99 ms | max ms | missed |");
Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
foreach (var line in results)
{
    Console.WriteLine(line);
}

Console.WriteLine();
Console.WriteLine($"Unsampled warm-up per subscriber count: {string.Join("; ", warmedFor)}.");
if (cpuPids.Length > 0)
{
    Console.WriteLine();
    Console.WriteLine($"CPU ms per sampled round (user + system): {string.Join("; ", cpuPerRound)}.");
}

if (hops is not null)
{
    Console.WriteLine();
    Console.WriteLine(HopTrace.Legend);
    hops.Finish();
    foreach (var (n, samples) in traced)
    {
        Console.WriteLine();
        Console.Write(hops.Explain(n, samples));
    }
}

return 0;

double[] CpuMilliseconds()
{
    var ticksPerSecond = 100.0; // USER_HZ on Linux
    var times = cpuPids.Select(pid =>
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) * 1000 / ticksPerSecond;
    }).ToList();
    times.Add(Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds);
    return [.. times];
}

static double Percentile(List<double> sorted, double p) =>
    sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

async Task<string> InitializeAsync(Uri endpoint)
{
    using var response = await SendAsync(endpoint, null,
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"fanout\",\"version\":\"1\"}}}");
    var session = response.Headers.GetValues("Mcp-Session-Id").Single();
    await PostAsync(endpoint, session, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
    return session;
}

async Task<string> IngestAsync(string session, int version)
{
    var body = await PostAsync(changeVia, session, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"ingest\",\"arguments\":{\"source\":\"bench/fanout.md\",\"text\":\"fan-out version " + version + "\"}}}");
    var json = body.StartsWith('{') ? body : body.Split('\n').Last(l => l.StartsWith("data: ", StringComparison.Ordinal))[6..];
    return JsonDocument.Parse(json).RootElement.GetProperty("result").GetProperty("structuredContent").GetProperty("id").GetString()!;
}

async Task<string> PostAsync(Uri endpoint, string session, string json)
{
    using var response = await SendAsync(endpoint, session, json);
    return await response.Content.ReadAsStringAsync();
}

async Task<HttpResponseMessage> SendAsync(Uri endpoint, string? session, string json)
{
    using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
    request.Headers.Add("Accept", "application/json, text/event-stream");
    if (session is not null)
    {
        request.Headers.Add("Mcp-Session-Id", session);
        request.Headers.Add("MCP-Protocol-Version", "2025-11-25");
    }

    var response = await http.SendAsync(request);
    if (!response.IsSuccessStatusCode)
    {
        throw new InvalidOperationException($"{endpoint} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    return response;
}

namespace ContextHub.FanOut
{
    /// <summary>One client's notification: the change sent at <see cref="Sent"/>, read at <see cref="Arrived"/> (Stopwatch ticks).</summary>
    internal sealed record Sample(string Session, long Sent, long Arrived, double ClientPauseMs)
    {
        public double Milliseconds => Stopwatch.GetElapsedTime(Sent, Arrived).TotalMilliseconds;
    }
}
