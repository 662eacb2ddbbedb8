using ContextHub.Knowledge.Ingestion;
using Microsoft.Extensions.Options;

namespace ContextHub.Knowledge;

/// <summary>Checks <see cref="KnowledgeOptions"/> at start; every message names the setting and the fix.</summary>
public sealed class KnowledgeOptionsValidator : IValidateOptions<KnowledgeOptions>
{
    private const string S = KnowledgeOptions.Section;

    public ValidateOptionsResult Validate(string? name, KnowledgeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var chunking = options.Chunking ?? new ChunkingOptions();
        var perUnit = chunking.Unit == ChunkSizeUnit.ApproximateTokens ? ChunkingOptions.CharactersPerToken : 1;
        if (!Enum.IsDefined(chunking.Unit))
        {
            failures.Add($"{S}:Chunking:Unit is '{chunking.Unit}'; use Characters or ApproximateTokens.");
        }
        else if ((long)chunking.ChunkSize * perUnit < 32)
        {
            failures.Add($"{S}:Chunking:ChunkSize is {chunking.ChunkSize}; a chunk must hold at least 32 characters (8 approximate tokens), e.g. 1000.");
        }

        if (chunking.Overlap < 0 || chunking.Overlap >= chunking.ChunkSize)
        {
            failures.Add($"{S}:Chunking:Overlap is {chunking.Overlap}; use 0 or more and less than Chunking:ChunkSize ({chunking.ChunkSize}), e.g. 150.");
        }

        if (options.MaxDocumentBytes < 1)
        {
            failures.Add($"{S}:MaxDocumentBytes is {options.MaxDocumentBytes}; use a positive size in bytes, e.g. 26214400 (25 MiB).");
        }

        if (options.EmbeddingBatchSize is < 1 or > 4096)
        {
            failures.Add($"{S}:EmbeddingBatchSize is {options.EmbeddingBatchSize}; use 1 to 4096 (32 is the usual choice).");
        }

        if (options.HybridCandidates is < 1 or > 10_000)
        {
            failures.Add($"{S}:HybridCandidates is {options.HybridCandidates}; use 1 to 10000 (50 is the usual choice).");
        }

        if (options.RrfK is < 1 or > 10_000)
        {
            failures.Add($"{S}:RrfK is {options.RrfK}; use 1 to 10000 (60 is the usual choice).");
        }

        if (options.EmbeddingModelId is { } id && string.IsNullOrWhiteSpace(id))
        {
            failures.Add($"{S}:EmbeddingModelId is blank; remove it to record the model's own id, or name the model.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
