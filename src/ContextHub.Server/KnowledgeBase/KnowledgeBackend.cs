namespace ContextHub.Server.KnowledgeBase;

/// <summary>Where the knowledge store keeps documents, chunks and tool-call records (<c>ContextHub:Knowledge:Backend</c>).</summary>
public enum KnowledgeBackend
{
    /// <summary>One SQLite file in the data folder with in-memory indices (no server to run).</summary>
    Embedded,

    /// <summary>An Elasticsearch 9 cluster (settings under <c>ContextHub:Knowledge:Elasticsearch</c>).</summary>
    Elasticsearch,
}
