using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ContextHub.Server.Observability;

/// <summary>
/// ContextHub's own HTTP request meter, in place of ASP.NET Core's hosting meter (which records three measurements per
/// request with six tags and costs several percent of the CPU time of a small request): one histogram,
/// <c>contexthub.http.server.request.duration</c>, labelled by door and status code only, and an in-flight count kept
/// in a field and observed at scrape time. Both label sets are bounded: doors are a fixed list, status codes 100–599.
/// </summary>
public sealed class HttpRequestMetrics
{
    public const string MeterName = "ContextHub.Http";

    private static readonly double[] DurationBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    // Boxed once: a status code tag is then a pointer copy, not an allocation per request.
    private static readonly object[] StatusCodes = Enumerable.Range(0, 600).Select(static code => (object)code).ToArray();

    private readonly Histogram<double> _duration;
    private readonly PathString _mcpPath;
    private readonly PathString _metricsPath;
    private long _active;

    public HttpRequestMetrics(IMeterFactory meterFactory, string mcpPath, string metricsPath)
    {
        _mcpPath = mcpPath;
        _metricsPath = metricsPath;
        var meter = meterFactory.Create(MeterName); // disposed with the factory
        _duration = meter.CreateHistogram("contexthub.http.server.request.duration", "s",
            "Time to answer an HTTP request, by door (http, websocket, rest, graphql, console, observability, other) and status code.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        meter.CreateObservableUpDownCounter("contexthub.http.server.active_requests", () => Volatile.Read(ref _active), "{request}",
            "HTTP requests being answered (open streams and WebSocket connections included).");
    }

    /// <summary>Times every request of the pipeline that follows.</summary>
    public RequestDelegate Wrap(RequestDelegate next) => context =>
    {
        Interlocked.Increment(ref _active);
        var start = Stopwatch.GetTimestamp();
        Task task;
        try
        {
            task = next(context);
        }
        catch
        {
            Completed(context, start, failed: true);
            throw;
        }

        if (task.IsCompletedSuccessfully)
        {
            Completed(context, start, failed: false);
            return Task.CompletedTask;
        }

        return AwaitAsync(task, context, start);
    };

    private async Task AwaitAsync(Task task, HttpContext context, long start)
    {
        var failed = true;
        try
        {
            await task.ConfigureAwait(false);
            failed = false;
        }
        finally
        {
            Completed(context, start, failed);
        }
    }

    private void Completed(HttpContext context, long start, bool failed)
    {
        Interlocked.Decrement(ref _active);
        if (!_duration.Enabled)
        {
            return;
        }

        // An exception that escaped the pipeline is answered 500 by the server (when the response has not started).
        var status = failed && !context.Response.HasStarted ? 500 : context.Response.StatusCode;
        _duration.Record(Stopwatch.GetElapsedTime(start).TotalSeconds,
            new KeyValuePair<string, object?>("contexthub.door", DoorOf(context.Request.Path)),
            new KeyValuePair<string, object?>("http.response.status_code", StatusCodes[status is >= 100 and < 600 ? status : 0]));
    }

    /// <summary>The door a path belongs to, from the fixed list (never the path itself).</summary>
    public string DoorOf(PathString path)
    {
        if (path.StartsWithSegments(_mcpPath))
        {
            return "http";
        }

        if (path.StartsWithSegments("/api") || path.StartsWithSegments("/openapi"))
        {
            return "rest";
        }

        if (path.StartsWithSegments("/graphql"))
        {
            return "graphql";
        }

        if (path.StartsWithSegments("/ws"))
        {
            return "websocket";
        }

        if (path.StartsWithSegments(_metricsPath) || path.StartsWithSegments("/health") || path.StartsWithSegments("/healthz"))
        {
            return "observability";
        }

        return path == "/" || path.StartsWithSegments("/console") ? "console" : "other";
    }
}
