using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

// Fan-out latency: N session clients hold GET streams on one replica, subscribed to one resource; the resource is
// changed through another replica; each client's time from sending that change to reading
// `notifications/resources/updated` is one sample. With the same URL twice it measures one replica alone.
// The change is `touch` (default): a tools/call of the sample tool touch_resource on test://watched-resource, which
// only raises resources/updated (the servers need ContextHub:Samples:Conformance=true), so a sample is the fan-out
// plus one HTTP request; or `ingest`: a knowledge document re-ingested (an embedding and a write inside every sample).
// Usage: ContextHub.FanOut <change-via base url> <listen-on base url> [subscribers=1,10,100] [rounds=30] [touch|ingest] [warm-up rounds=5]
// The warm-up rounds of each subscriber count go through the same path first and are not sampled (as wrk warms up).
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: ContextHub.FanOut <change-via-url> <listen-on-url> [subscribers=1,10,100] [rounds=30] [touch|ingest] [warm-up rounds=5]");
    return 2;
}

var changeVia = new Uri(new Uri(args[0]), "/mcp");
var listenOn = new Uri(new Uri(args[1]), "/mcp");
var counts = (args.Length > 2 ? args[2] : "1,10,100").Split(',').Select(int.Parse).ToArray();
var rounds = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 30;
var touch = (args.Length > 4 ? args[4] : "touch") == "touch";
var warmUp = args.Length > 5 ? int.Parse(args[5], System.Globalization.CultureInfo.InvariantCulture) : 5;

using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1000, UseProxy = false }) { Timeout = Timeout.InfiniteTimeSpan };
var changer = await InitializeAsync(changeVia);
var uri = touch ? "test://watched-resource" : "kb://documents/" + await IngestAsync(changer, 0);
Console.WriteLine("| subscribers | samples | p50 ms | p99 ms | max ms | missed |");
Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: |");
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
    var samples = new List<double>(n * rounds);
    var missed = 0;
    for (var round = 1 - warmUp; round <= rounds; round++)
    {
        Array.Clear(arrivals);
        Volatile.Write(ref pending, n);
        allIn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sent = Stopwatch.GetTimestamp();
        if (touch)
        {
            await PostAsync(changeVia, changer, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{\"name\":\"touch_resource\",\"arguments\":{\"uri\":\"test://watched-resource\"}}}");
        }
        else
        {
            await IngestAsync(changer, (round + warmUp) * 1000 + n);
        }
        await Task.WhenAny(allIn.Task, Task.Delay(5000));
        foreach (var arrival in arrivals)
        {
            if (round < 1)
            {
                continue; // warm-up
            }

            if (arrival == 0)
            {
                missed++;
            }
            else
            {
                samples.Add(Stopwatch.GetElapsedTime(sent, arrival).TotalMilliseconds);
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

    samples.Sort();
    Console.WriteLine($"| {n} | {samples.Count} | {Percentile(0.50):F2} | {Percentile(0.99):F2} | {(samples.Count > 0 ? samples[^1] : double.NaN):F2} | {missed} |");

    double Percentile(double p) => samples.Count == 0 ? double.NaN : samples[Math.Min(samples.Count - 1, (int)Math.Ceiling(p * samples.Count) - 1)];

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

return 0;

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
