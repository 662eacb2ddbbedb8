using System.Diagnostics;
using System.Diagnostics.Tracing;
using System.Globalization;
using System.Text;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

namespace ContextHub.FanOut;

/// <summary>
/// Reads the servers' <c>ContextHub-Notifications</c> events (each with a Stopwatch timestamp: one monotonic clock for
/// every process of the machine) and their runtime's GC and thread-pool events over EventPipe, and splits each sample
/// into hops: change sent → raised on the changing server → received from Redis on the listening one → notification
/// hub starts → recorded in the session streams → written to this client's stream → read by this client.
/// </summary>
internal sealed class HopTrace : IDisposable
{
    private const string Provider = "ContextHub-Notifications";
    private static readonly double s_msPerTick = 1000.0 / Stopwatch.Frequency;
    private readonly List<Traced> _processes;

    private HopTrace(List<Traced> processes) => _processes = processes;

    public static HopTrace Start(int[] pids)
    {
        var processes = new List<Traced>();
        foreach (var pid in pids.Distinct())
        {
            processes.Add(new Traced(pid));
        }

        return new HopTrace(processes);
    }

    public static string Legend =>
        "Hops (HopTrace): request = change sent → event raised on the changing server; to B = raised → received from Redis on " +
        "the listening server (the changing server's local delivery, PUBLISH, Redis, the subscription's queue); to hub = received → " +
        "notification hub starts; record = appending to the session streams (one Redis script for all subscribers); write = recorded " +
        "(or hub start) → this stream written and flushed; read = flushed → read by the client. GC ms = pause time of each process " +
        "that overlaps a sample's window (A: changing server, B: listening server, C: this client, the whole round).";

    public string Explain(int subscribers, List<Sample> samples)
    {
        var changing = _processes[0];
        var listening = _processes[^1];
        var rows = new List<double[]>(samples.Count);
        var unmatched = 0;
        foreach (var sample in samples)
        {
            var raised = changing.FirstAfter("Delivering", sample.Sent, sample.Arrived, e => !e.FromElsewhere);
            if (raised is null)
            {
                unmatched++;
                continue;
            }

            var o = raised.Occurrence;
            var received = changing == listening ? null : listening.Find("BackplaneReceived", o);
            var dispatching = listening.Find("Dispatching", o, e => e.Count > 0) ?? listening.Find("Dispatching", o);
            var recorded = listening.Find("Recorded", o);
            var written = listening.Find("Written", o, e => e.Session == sample.Session);
            if (dispatching is null || written is null)
            {
                unmatched++;
                continue;
            }

            var toHub = received ?? raised;
            rows.Add([
                Ms(sample.Sent, raised.Ticks),
                received is null ? 0 : Ms(raised.Ticks, received.Ticks),
                Ms(toHub.Ticks, dispatching.Ticks),
                recorded is null ? 0 : Ms(dispatching.Ticks, recorded.Ticks),
                Ms((recorded ?? dispatching).Ticks, written.Ticks),
                Ms(written.Ticks, sample.Arrived),
                sample.Milliseconds,
                changing.PausedMs(sample.Sent, sample.Arrived),
                changing == listening ? 0 : listening.PausedMs(sample.Sent, sample.Arrived),
                sample.ClientPauseMs,
                changing.CompiledIn(sample.Sent, sample.Arrived) + (changing == listening ? 0 : listening.CompiledIn(sample.Sent, sample.Arrived)),
                Ms(samples[0].Sent, sample.Sent) / 1000,
                changing.Find("BackplaneSent", o) is { } acked ? Ms(raised.Ticks, acked.Ticks) : 0,
            ]);
        }

        string[] names = ["request", "to B", "to hub", "record", "write", "read", "total", "GC ms A", "GC ms B", "GC ms C (round)", "methods compiled", "", "(A: raised → PUBLISH answered)"];
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{subscribers} subscribers: {rows.Count} samples traced ({unmatched} not matched)");
        if (samples.Count > 0)
        {
            var from = samples.Min(s => s.Sent);
            var to = samples.Max(s => s.Arrived);
            foreach (var (process, label) in _processes.Count == 1 ? [(changing, "server")] : new[] { (changing, "A"), (listening, "B") })
            {
                text.Append(CultureInfo.InvariantCulture, $"; {label}: {process.Describe(from, to)}");
            }
        }

        text.AppendLine();
        if (rows.Count == 0)
        {
            return text.ToString();
        }

        var slowest = rows.OrderByDescending(r => r[6]).Take(Math.Max(1, rows.Count / 100)).ToList();
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"| hop | p50 ms | p99 ms | mean of the slowest 1% ({slowest.Count}) | slowest 1% where it is the largest hop |");
        text.AppendLine("| --- | ---: | ---: | ---: | ---: |");
        for (var h = 0; h < names.Length; h++)
        {
            if (h == 11)
            {
                continue; // the sample's start time
            }

            var sorted = rows.Select(r => r[h]).Order().ToList();
            var largest = h < 6 ? slowest.Count(r => Array.IndexOf(r, r.Take(6).Max()) == h).ToString(CultureInfo.InvariantCulture) : "";
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {names[h]} | {Pct(sorted, 0.5):F2} | {Pct(sorted, 0.99):F2} | {slowest.Average(r => r[h]):F2} | {largest} |");
        }

        text.AppendLine();
        text.Append("Slowest samples (s after the first sampled round: request / to B / to hub / record / write / read = total ms, methods compiled):");
        foreach (var r in rows.OrderByDescending(r => r[6]).DistinctBy(r => r[11]).Take(5))
        {
            text.Append(CultureInfo.InvariantCulture, $" +{r[11]:F1}s: {r[0]:F1}/{r[1]:F1}/{r[2]:F1}/{r[3]:F1}/{r[4]:F1}/{r[5]:F1} = {r[6]:F1}, {r[10]:F0};");
        }

        text.AppendLine();
        return text.ToString();
    }

    private static double Pct(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private static double Ms(long from, long to) => (to - from) * s_msPerTick;

    /// <summary>Stops the sessions and reads what is left; <see cref="Explain"/> works on what was read.</summary>
    public void Finish()
    {
        foreach (var process in _processes)
        {
            process.Stop();
        }
    }

    public void Dispose()
    {
        foreach (var process in _processes)
        {
            process.Dispose();
        }
    }

    internal sealed record Hop(string Name, string Occurrence, string? Session, bool FromElsewhere, int Count, long Ticks);

    private sealed class Traced : IDisposable
    {
        private readonly EventPipeSession _session;
        private readonly Task _reading;
        private readonly List<Hop> _hops = [];
        private readonly Dictionary<(string Name, string Occurrence), List<Hop>> _byOccurrence = [];
        private readonly List<(double StartMs, double EndMs)> _pauses = [];
        private readonly List<(double Ms, int Generation)> _collections = [];
        private readonly List<double> _starvation = [];
        private readonly List<(double Ms, string Tier)> _compiled = [];
        private double? _pauseStart;
        private double _baseMs = double.MinValue;
        private volatile bool _stopped;

        public Traced(int pid)
        {
            var client = new DiagnosticsClient(pid);
            _session = client.StartEventPipeSession(
                [
                    new EventPipeProvider(Provider, EventLevel.Informational),
                    // GC pauses, thread injections, and methods compiled (by tier) while samples are taken: tiered compilation at work.
                    new EventPipeProvider(ClrTraceEventParser.ProviderName, EventLevel.Verbose,
                        (long)(ClrTraceEventParser.Keywords.GC | ClrTraceEventParser.Keywords.Threading | ClrTraceEventParser.Keywords.Jit)),
                ], requestRundown: false, circularBufferMB: 64);
            // A thread of its own: a reader blocked in Process() must not hold one of the client's thread-pool threads.
            _reading = Task.Factory.StartNew(() =>
            {
                using var source = new EventPipeEventSource(_session.EventStream);
                source.Dynamic.All += e =>
                {
                    if (e.ProviderName != Provider)
                    {
                        return;
                    }

                    var ticks = (long)e.PayloadByName("timestamp");
                    var hop = new Hop(e.EventName, (string)e.PayloadByName("occurrence"), e.PayloadByName("session") as string,
                        e.PayloadByName("fromElsewhere") is bool b && b,
                        e.PayloadByName("streams") as int? ?? e.PayloadByName("pending") as int? ?? 0, ticks);
                    lock (_hops)
                    {
                        _hops.Add(hop);
                        var key = (hop.Name, hop.Occurrence);
                        if (!_byOccurrence.TryGetValue(key, out var list))
                        {
                            _byOccurrence[key] = list = [];
                        }

                        list.Add(hop);
                        // The event is written after its timestamp was taken: the latest such difference is the clock offset.
                        _baseMs = Math.Max(_baseMs, ticks * s_msPerTick - e.TimeStampRelativeMSec);
                    }
                };
                source.Clr.GCSuspendEEStart += e => _pauseStart = e.TimeStampRelativeMSec;
                source.Clr.GCRestartEEStop += e =>
                {
                    if (_pauseStart is { } start)
                    {
                        lock (_hops)
                        {
                            _pauses.Add((start, e.TimeStampRelativeMSec));
                        }
                    }

                    _pauseStart = null;
                };
                source.Clr.GCStart += e =>
                {
                    lock (_hops)
                    {
                        _collections.Add((e.TimeStampRelativeMSec, e.Depth));
                    }
                };
                source.Clr.ThreadPoolWorkerThreadAdjustmentAdjustment += e =>
                {
                    if (e.Reason == ThreadAdjustmentReasonMap.Starvation)
                    {
                        lock (_hops)
                        {
                            _starvation.Add(e.TimeStampRelativeMSec);
                        }
                    }
                };
                source.Clr.MethodLoadVerbose += e =>
                {
                    lock (_hops)
                    {
                        _compiled.Add((e.TimeStampRelativeMSec, e.OptimizationTier.ToString()));
                    }
                };
                source.Process();
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }

        public Hop? FirstAfter(string name, long from, long to, Func<Hop, bool> where) =>
            _hops.Where(h => h.Name == name && h.Ticks >= from && h.Ticks <= to && where(h)).MinBy(h => h.Ticks);

        public Hop? Find(string name, string occurrence, Func<Hop, bool>? where = null) =>
            _byOccurrence.TryGetValue((name, occurrence), out var list) ? list.FirstOrDefault(h => where?.Invoke(h) ?? true) : null;

        /// <summary>GC pause time (ms) inside [from, to] (Stopwatch ticks); NaN when the clocks could not be lined up.</summary>
        public double PausedMs(long from, long to)
        {
            if (_baseMs == double.MinValue)
            {
                return double.NaN;
            }

            var a = from * s_msPerTick - _baseMs;
            var b = to * s_msPerTick - _baseMs;
            return _pauses.Sum(p => Math.Max(0, Math.Min(b, p.EndMs) - Math.Max(a, p.StartMs)));
        }

        /// <summary>Methods this process compiled inside [from, to] (Stopwatch ticks).</summary>
        public int CompiledIn(long from, long to)
        {
            if (_baseMs == double.MinValue)
            {
                return 0;
            }

            var a = from * s_msPerTick - _baseMs;
            var b = to * s_msPerTick - _baseMs;
            return _compiled.Count(c => c.Ms >= a && c.Ms <= b);
        }

        /// <summary>GCs by generation, pause total and thread-pool starvation injections inside [from, to].</summary>
        public string Describe(long from, long to)
        {
            if (_baseMs == double.MinValue)
            {
                return "no events (not instrumented?)";
            }

            var a = from * s_msPerTick - _baseMs;
            var b = to * s_msPerTick - _baseMs;
            var gcs = _collections.Where(c => c.Ms >= a && c.Ms <= b).GroupBy(c => c.Generation).OrderBy(g => g.Key)
                .Select(g => $"gen{g.Key} ×{g.Count()}");
            var pauses = _pauses.Where(p => p.EndMs >= a && p.StartMs <= b).Select(p => p.EndMs - p.StartMs).ToList();
            var starved = _starvation.Count(s => s >= a && s <= b);
            var dispatched = _hops.Where(h => h.Name == "Dispatched" && h.Ticks * s_msPerTick - _baseMs >= a && h.Ticks * s_msPerTick - _baseMs <= b).ToList();
            var compiled = string.Join(" ", _compiled.Where(c => c.Ms >= a && c.Ms <= b).GroupBy(c => c.Tier).Select(g => $"{g.Key} ×{g.Count()}"));
            return string.Create(CultureInfo.InvariantCulture,
                $"GCs {(pauses.Count == 0 ? "none" : string.Join(" ", gcs))}, paused {pauses.Sum():F1} ms (longest {(pauses.Count == 0 ? 0 : pauses.Max()):F1}), thread-pool starvation injections {starved}, methods compiled {(compiled.Length > 0 ? compiled : "none")}, {dispatched.Count} events dispatched to {dispatched.Sum(d => 0L + _byOccurrence.GetValueOrDefault(("Written", d.Occurrence))?.Count ?? 0)} streams with {dispatched.Sum(d => d.Count)} writes that did not complete at once");
        }

        /// <summary>Ends the session (the runtime sends what it buffered) and waits until every event is read.</summary>
        public void Stop()
        {
            if (_stopped)
            {
                return;
            }

            _stopped = true;
            _session.Stop();
            _reading.Wait(TimeSpan.FromSeconds(30));
        }

        public void Dispose()
        {
            Stop();
            _session.Dispose();
        }
    }
}

/// <summary>The thread pool's reason for adding a thread that means work waited for one.</summary>
internal static class ThreadAdjustmentReasonMap
{
    public const ThreadAdjustmentReason Starvation = ThreadAdjustmentReason.Starvation;
}
