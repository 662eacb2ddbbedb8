using ContextHub.Knowledge.Embedded.FullText;

namespace ContextHub.Knowledge.Embedded;

/// <summary>Where and how the embedded store keeps its file; bound from <see cref="Section"/>.</summary>
public sealed class EmbeddedStoreOptions
{
    /// <summary>The configuration section these settings are bound from.</summary>
    public const string Section = "ContextHub:Knowledge:Embedded";

    /// <summary>
    /// The data folder; the store is one SQLite database in it (plus its -wal and -shm files). The server sets it from
    /// <c>ContextHub:Knowledge:DataFolder</c>.
    /// </summary>
    public string DataFolder { get; set; } = "";

    /// <summary>The database file's name in <see cref="DataFolder"/>.</summary>
    public string FileName { get; set; } = "knowledge.db";

    /// <summary>
    /// SQLite's synchronous setting for writes. <c>true</c> (the default) is FULL: every acknowledged write survives a
    /// power loss. <c>false</c> is NORMAL: a write survives a crash of the process (kill -9) but the last transactions
    /// before a power loss or OS crash may roll back; ingestion is a little faster.
    /// </summary>
    public bool SynchronousFull { get; set; } = true;

    /// <summary>BM25 weight of a chunk's text.</summary>
    public double TextWeight { get; set; } = 1.0;

    /// <summary>BM25 weight of the heading a chunk sits under.</summary>
    public double HeadingWeight { get; set; } = 1.0;

    /// <summary>BM25 weight of the document title (repeated for each chunk).</summary>
    public double TitleWeight { get; set; } = 1.0;

    /// <summary>BM25 term-frequency saturation (k1): higher lets repeated words count for more.</summary>
    public double Bm25K1 { get; set; } = Bm25Index.K1;

    /// <summary>BM25 length normalization (b), 0 to 1: 0 ignores a chunk's length, 1 normalizes fully.</summary>
    public double Bm25B { get; set; } = Bm25Index.B;

    /// <summary>How many of a full-text search's best hits get a snippet from FTS5 (each costs a query); the rest get none.</summary>
    public int SnippetLimit { get; set; } = 10;

    /// <summary>How many tokens a full-text snippet holds (at most 64).</summary>
    public int SnippetTokens { get; set; } = 24;

    /// <summary>Scan vectors on several threads when the index holds at least this many.</summary>
    public int ParallelScanThreshold { get; set; } = 32_768;

    /// <summary>
    /// How often the store looks for writes other processes committed to the same database (the <c>ingest</c> command
    /// beside a running server) and applies them to its in-memory indices. Zero turns the polling off
    /// (<see cref="EmbeddedKnowledgeStore.RefreshAsync"/> still applies them on demand, and every write does first).
    /// </summary>
    public TimeSpan ExternalChangesPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    public string DatabasePath => Path.Combine(DataFolder, FileName);
}
