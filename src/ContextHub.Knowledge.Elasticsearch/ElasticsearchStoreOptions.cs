namespace ContextHub.Knowledge.Elasticsearch;

/// <summary>When a write becomes visible to searches.</summary>
public enum ElasticsearchRefreshMode
{
    /// <summary>
    /// Writes wait for the next scheduled refresh (<c>refresh=wait_for</c>, at most the index's refresh interval,
    /// 1 s by default) and return once they are searchable. Cheap for the cluster; each write takes up to that long.
    /// </summary>
    WaitFor,

    /// <summary>
    /// Writes force a refresh of the shards they touched (<c>refresh=true</c>) and return at once, searchable. Fast for
    /// one caller, but every write makes a small segment: meant for tests and small, rarely written stores.
    /// </summary>
    Immediate,
}

/// <summary>Where and how the Elasticsearch backend keeps the knowledge store; bound from <see cref="Section"/>.</summary>
public sealed class ElasticsearchStoreOptions
{
    public const string Section = "ContextHub:Knowledge:Elasticsearch";

    /// <summary>The cluster's address, e.g. <c>http://localhost:9200</c> or <c>https://search.example.com:9200</c>.</summary>
    public string? Url { get; set; }

    /// <summary>An API key (the base64 <c>encoded</c> value Elasticsearch returns), sent as <c>Authorization: ApiKey …</c>.</summary>
    public string? ApiKey { get; set; }

    /// <summary>User for basic authentication (with <see cref="Password"/>); not together with <see cref="ApiKey"/>.</summary>
    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary>
    /// Put before every index and template name, so several ContextHub stores can share a cluster: prefix <c>team-a</c>
    /// gives <c>team-a-contexthub-documents</c>. Lower case letters, digits, '-', '_' and '.'; empty for none.
    /// </summary>
    public string IndexPrefix { get; set; } = "";

    /// <summary>
    /// The SHA-256 fingerprint of the cluster's CA certificate (as printed when Elasticsearch first starts), for an
    /// https cluster whose certificate is self-signed. Empty uses the machine's trusted certificates.
    /// </summary>
    public string? CertificateFingerprint { get; set; }

    /// <summary>When writes become visible to searches; <see cref="ElasticsearchRefreshMode.WaitFor"/> by default.</summary>
    public ElasticsearchRefreshMode Refresh { get; set; } = ElasticsearchRefreshMode.WaitFor;

    /// <summary>Primary shards of each index (set when an index is created).</summary>
    public int NumberOfShards { get; set; } = 1;

    /// <summary>Replicas of each index (set when an index is created); empty keeps the cluster's default (1).</summary>
    public int? NumberOfReplicas { get; set; }

    /// <summary>
    /// The dense_vector <c>index_options.type</c>: <c>hnsw</c> (float vectors, the default), or the quantized
    /// <c>int8_hnsw</c>, <c>int4_hnsw</c> or <c>bbq_hnsw</c> that trade some recall for much less memory.
    /// </summary>
    public string VectorIndexType { get; set; } = "hnsw";

    /// <summary>HNSW: neighbours per node (<c>m</c>).</summary>
    public int HnswM { get; set; } = 16;

    /// <summary>HNSW: candidates considered while building the graph (<c>ef_construction</c>).</summary>
    public int HnswEfConstruction { get; set; } = 100;

    /// <summary>
    /// kNN searches consider <c>k × NumCandidatesFactor</c> candidates per shard (at least 100, at most 10,000):
    /// higher finds the true nearest neighbours more often and costs more.
    /// </summary>
    public int NumCandidatesFactor { get; set; } = 10;

    /// <summary>How many characters a full-text snippet holds (the highlighter's fragment size).</summary>
    public int SnippetLength { get; set; } = 160;

    /// <summary>How long one request to the cluster may take.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The prefix as put before names: empty, or ending with '-', '_' or '.'.</summary>
    internal string NamePrefix =>
        string.IsNullOrEmpty(IndexPrefix) || IndexPrefix[^1] is '-' or '_' or '.' ? IndexPrefix ?? "" : IndexPrefix + "-";
}
