namespace ContextHub.Knowledge.Filters;

/// <summary>
/// Access tags: a document tagged <c>access:NAME</c> is seen only by callers allowed NAME. Ingestion marks such a
/// document with the metadata field <c>access=restricted</c>, so the caller's clause is a plain filter that every
/// backend runs inside its query (limits and scores stay right): not restricted, or carrying an access tag the caller holds.
/// </summary>
public static class AccessTags
{
    public const string Prefix = "access:";

    public const string MetadataKey = "access";

    public const string Restricted = "restricted";

    public static bool IsAccessTag(string tag) => tag.StartsWith(Prefix, StringComparison.Ordinal) && tag.Length > Prefix.Length;

    /// <summary>The metadata a document is stored with: <c>access=restricted</c> added when a tag is an access tag.</summary>
    public static IReadOnlyDictionary<string, string> Mark(IReadOnlyDictionary<string, string> metadata, IReadOnlyList<string> tags)
    {
        if (!tags.Any(IsAccessTag) || (metadata.TryGetValue(MetadataKey, out var value) && value == Restricted))
        {
            return metadata;
        }

        return new Dictionary<string, string>(metadata) { [MetadataKey] = Restricted };
    }

    /// <summary>
    /// The clause for a caller allowed <paramref name="allowed"/> (access names without the prefix); null when the caller
    /// may see everything.
    /// </summary>
    public static MetadataFilter? VisibleTo(IReadOnlyCollection<string>? allowed)
    {
        if (allowed is null)
        {
            return null;
        }

        var open = MetadataFilter.Not(MetadataFilter.Exists(DocumentFields.Metadata(MetadataKey)));
        return allowed.Count == 0
            ? open
            : MetadataFilter.Or(open, MetadataFilter.In(DocumentFields.Tags, [.. allowed.Select(a => (FilterValue)(Prefix + a))]));
    }

    /// <summary>Whether a document with <paramref name="tags"/> is visible to a caller allowed <paramref name="allowed"/> (null: everything).</summary>
    public static bool IsVisible(IReadOnlyList<string> tags, IReadOnlyCollection<string>? allowed) =>
        allowed is null || !tags.Any(IsAccessTag) || tags.Any(t => IsAccessTag(t) && allowed.Contains(t[Prefix.Length..]));

    /// <summary>Both clauses, either of which may be null.</summary>
    public static MetadataFilter? Combine(MetadataFilter? filter, MetadataFilter? access) =>
        (filter, access) switch
        {
            (null, _) => access,
            (_, null) => filter,
            _ => MetadataFilter.And(filter, access),
        };
}
