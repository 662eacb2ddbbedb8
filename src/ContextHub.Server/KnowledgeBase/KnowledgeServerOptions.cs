namespace ContextHub.Server.KnowledgeBase;

/// <summary>Settings of the knowledge store as the server runs it, bound from <c>ContextHub:Knowledge</c>.</summary>
public sealed class KnowledgeServerOptions
{
    public const string Section = "ContextHub:Knowledge";

    /// <summary>Serve the knowledge store (tools <c>search</c>, <c>fetch</c>, <c>ingest</c>, <c>delete</c>; <c>kb://</c> resources).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary><see cref="KnowledgeBackend.Embedded"/> (on disk, no server) or <see cref="KnowledgeBackend.Elasticsearch"/> (settings under <c>ContextHub:Knowledge:Elasticsearch</c>).</summary>
    public KnowledgeBackend Backend { get; set; } = KnowledgeBackend.Embedded;

    /// <summary>Where the embedded store keeps its files; relative paths are taken from the working directory.</summary>
    public string DataFolder { get; set; } = "data";

    /// <summary>Keep a record of every tool call in the metadata index (step 5 of the design's flow).</summary>
    public bool RecordToolCalls { get; set; } = true;

    /// <summary>A folder whose files are ingested at start and again when they change; empty watches none.</summary>
    public string? WatchFolder { get; set; }

    public KnowledgeEmbeddingOptions Embeddings { get; set; } = new();

    /// <summary>How tool-call records are queued and written (<c>ToolCallRecording:*</c>).</summary>
    public ToolCallRecordingOptions ToolCallRecording { get; set; } = new();

    /// <summary>How long tool-call records are kept (<c>ToolCallRetention:*</c>).</summary>
    public ToolCallRetentionOptions ToolCallRetention { get; set; } = new();
}
