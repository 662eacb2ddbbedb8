namespace ContextHub.Server.KnowledgeBase;

/// <summary>
/// For an embedding provider with more than one variant of its model (the local model's float and 8-bit weights): told
/// which model an existing store was built with before the store is bound, so a variant left to its default can follow
/// the store instead of being refused by it. Registered with the provider by <see cref="KnowledgeRegistration"/>; the
/// other providers have none.
/// </summary>
public interface IStoredModelMatcher
{
    /// <summary>The id of the model the opened store holds vectors of, or null for a new store.</summary>
    void MatchStore(string? storeModelId);
}

/// <summary>An <see cref="IStoredModelMatcher"/> that hands the id to the provider's own method.</summary>
internal sealed class StoredModelMatcher(Action<string?> match) : IStoredModelMatcher
{
    public void MatchStore(string? storeModelId) => match(storeModelId);
}
