using System.Diagnostics;
using System.Diagnostics.Metrics;
using ContextHub.Knowledge.Ingestion;
using ContextHub.Knowledge.Search;

namespace ContextHub.Knowledge.Telemetry;

/// <summary>
/// The knowledge store's meter and spans (both named <c>ContextHub.Knowledge</c>): search and ingestion durations, the
/// ingestion backlog (documents handed to ingestion and not yet finished), and the documents and chunks held (observed
/// from the last figures a host reported through <see cref="ReportHeld"/>).
/// </summary>
public static class KnowledgeTelemetry
{
    public const string Name = "ContextHub.Knowledge";

    public static ActivitySource Source { get; } = new(Name);

    public static Meter Meter { get; } = new(Name);

    private static readonly Histogram<double> SearchDuration = Meter.CreateHistogram("contexthub.knowledge.search.duration", "s",
        "Time to answer a knowledge search, by mode (hybrid, fulltext, vector).",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });

    private static readonly Histogram<double> IngestionDuration = Meter.CreateHistogram("contexthub.knowledge.ingestion.duration", "s",
        "Time to ingest one document, by result (added, updated, unchanged, duplicate, failed).",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120] });

    private static long s_pending;
    private static long s_documents;
    private static long s_chunks;

    static KnowledgeTelemetry()
    {
        Meter.CreateObservableUpDownCounter("contexthub.knowledge.ingestion.pending", () => Volatile.Read(ref s_pending), "{document}",
            "Documents handed to ingestion and not finished yet (the ingestion backlog).");
        Meter.CreateObservableUpDownCounter("contexthub.knowledge.documents", () => Volatile.Read(ref s_documents), "{document}",
            "Documents held by the knowledge store (sampled).");
        Meter.CreateObservableUpDownCounter("contexthub.knowledge.chunks", () => Volatile.Read(ref s_chunks), "{chunk}",
            "Chunks held by the knowledge store (sampled).");
    }

    public static void ReportHeld(long documents, long chunks)
    {
        Volatile.Write(ref s_documents, documents);
        Volatile.Write(ref s_chunks, chunks);
    }

    public static void IngestionQueued(int documents) => Interlocked.Add(ref s_pending, documents);

    public static void IngestionDequeued(int documents) => Interlocked.Add(ref s_pending, -documents);

    public static Activity? StartSearch(SearchMode mode)
    {
        var activity = Source.StartActivity("knowledge search");
        activity?.SetTag("contexthub.knowledge.search.mode", ModeName(mode));
        return activity;
    }

    public static void SearchFinished(SearchMode mode, long startTimestamp, int hits, Activity? activity)
    {
        SearchDuration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, new KeyValuePair<string, object?>("mode", ModeName(mode)));
        activity?.SetTag("contexthub.knowledge.search.hits", hits);
    }

    public static Activity? StartIngestion() => Source.StartActivity("knowledge ingest");

    public static void IngestionFinished(IngestionStatus status, long startTimestamp, Activity? activity)
    {
        var result = StatusName(status);
        IngestionDuration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, new KeyValuePair<string, object?>("result", result));
        activity?.SetTag("contexthub.knowledge.ingestion.result", result);
        if (status == IngestionStatus.Failed)
        {
            activity?.SetStatus(ActivityStatusCode.Error);
        }
    }

    private static string ModeName(SearchMode mode) => mode switch
    {
        SearchMode.Hybrid => "hybrid",
        SearchMode.FullText => "fulltext",
        SearchMode.Vector => "vector",
        _ => "other",
    };

    private static string StatusName(IngestionStatus status) => status switch
    {
        IngestionStatus.Failed => "failed",
        _ => status.ToString().ToLowerInvariant(),
    };
}
