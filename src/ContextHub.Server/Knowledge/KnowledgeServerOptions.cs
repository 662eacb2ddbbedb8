using Microsoft.Extensions.Options;

namespace ContextHub.Server.Knowledge;

/// <summary>Settings of the knowledge store as the server runs it, bound from <c>ContextHub:Knowledge</c>.</summary>
public sealed class KnowledgeServerOptions
{
    public const string Section = "ContextHub:Knowledge";

    /// <summary>Serve the knowledge store (tools <c>search</c>, <c>fetch</c>, <c>ingest</c>, <c>delete</c>; <c>kb://</c> resources).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary><c>Embedded</c> (on disk, no server) or <c>Elasticsearch</c> (settings under <c>ContextHub:Knowledge:Elasticsearch</c>).</summary>
    public string Backend { get; set; } = "Embedded";

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

/// <summary>Which embedding model turns text into vectors.</summary>
public sealed class KnowledgeEmbeddingOptions
{
    /// <summary><c>MiniLM</c> (local all-MiniLM-L6-v2, offline), <c>OpenAI</c> (any OpenAI-compatible endpoint) or <c>Hashing</c> (no model; word overlap only).</summary>
    public string Provider { get; set; } = "MiniLM";

    /// <summary>For <c>OpenAI</c>: the endpoint (e.g. http://localhost:11434/v1 for Ollama).</summary>
    public string? Endpoint { get; set; }

    /// <summary>For <c>OpenAI</c>: the model name (e.g. text-embedding-3-small, nomic-embed-text).</summary>
    public string? Model { get; set; }

    /// <summary>For <c>OpenAI</c>: the API key (local servers accept any).</summary>
    public string? ApiKey { get; set; }

    /// <summary>For <c>Hashing</c>: the vector size.</summary>
    public int Dimensions { get; set; } = 256;

    /// <summary>For <c>MiniLM</c>: the ONNX Runtime session and batching settings (<c>MiniLM:*</c>).</summary>
    public ContextHub.Embeddings.MiniLM.MiniLMOptions MiniLM { get; set; } = new();
}

/// <summary>Checks <see cref="KnowledgeServerOptions"/> at start, naming the setting and the fix.</summary>
public sealed class KnowledgeServerOptionsValidator : IValidateOptions<KnowledgeServerOptions>
{
    public ValidateOptionsResult Validate(string? name, KnowledgeServerOptions options)
    {
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }

        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.DataFolder))
        {
            failures.Add($"{KnowledgeServerOptions.Section}:DataFolder is empty; set a folder the server may write to, e.g. \"data\".");
        }

        if (options.Backend is not ("Embedded" or "Elasticsearch"))
        {
            failures.Add($"{KnowledgeServerOptions.Section}:Backend is '{options.Backend}'; use Embedded or Elasticsearch.");
        }

        options.ToolCallRecording.Validate($"{KnowledgeServerOptions.Section}:ToolCallRecording", failures);
        options.ToolCallRetention.Validate($"{KnowledgeServerOptions.Section}:ToolCallRetention", failures);
        var embeddings = options.Embeddings;
        switch (embeddings.Provider)
        {
            case "MiniLM":
                ValidateMiniLM(embeddings.MiniLM, failures);
                break;
            case "Hashing" when embeddings.Dimensions is < 8 or > 4096:
                failures.Add($"{KnowledgeServerOptions.Section}:Embeddings:Dimensions is {embeddings.Dimensions}; use 8 to 4096.");
                break;
            case "Hashing":
                break;
            case "OpenAI":
                if (!Uri.TryCreate(embeddings.Endpoint, UriKind.Absolute, out _))
                {
                    failures.Add($"{KnowledgeServerOptions.Section}:Embeddings:Endpoint is '{embeddings.Endpoint}'; set the OpenAI-compatible endpoint, e.g. https://api.openai.com/v1 or http://localhost:11434/v1.");
                }

                if (string.IsNullOrWhiteSpace(embeddings.Model))
                {
                    failures.Add($"{KnowledgeServerOptions.Section}:Embeddings:Model is empty; name the embedding model, e.g. text-embedding-3-small.");
                }

                break;
            default:
                failures.Add($"{KnowledgeServerOptions.Section}:Embeddings:Provider is '{embeddings.Provider}'; use MiniLM, OpenAI or Hashing.");
                break;
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateMiniLM(ContextHub.Embeddings.MiniLM.MiniLMOptions miniLm, List<string> failures)
    {
        const string prefix = KnowledgeServerOptions.Section + ":Embeddings:MiniLM";
        if (miniLm.BatchSize is < 1 or > 256)
        {
            failures.Add($"{prefix}:BatchSize is {miniLm.BatchSize}; use 1 to 256.");
        }

        if (miniLm.MaxInputCharacters < 1)
        {
            failures.Add($"{prefix}:MaxInputCharacters is {miniLm.MaxInputCharacters}; use a positive number of characters, e.g. 2000.");
        }

        if (miniLm.IntraOpThreads is < 0 or > 256)
        {
            failures.Add($"{prefix}:IntraOpThreads is {miniLm.IntraOpThreads}; use 0 (one per core) or a thread count up to 256.");
        }
    }
}
