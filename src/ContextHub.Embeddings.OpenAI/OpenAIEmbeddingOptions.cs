namespace ContextHub.Embeddings.OpenAI;

/// <summary>Which OpenAI-compatible endpoint and model make the embeddings; bound from <see cref="Section"/>.</summary>
public sealed class OpenAIEmbeddingOptions
{
    /// <summary>The configuration section these settings are bound from.</summary>
    public const string Section = "ContextHub:Knowledge:Embeddings";

    /// <summary>The endpoint (e.g. https://api.openai.com/v1, or http://localhost:11434/v1 for Ollama).</summary>
    public string? Endpoint { get; set; }

    /// <summary>The model name (e.g. text-embedding-3-small, nomic-embed-text).</summary>
    public string? Model { get; set; }

    /// <summary>The API key (local servers accept any).</summary>
    public string? ApiKey { get; set; }
}
