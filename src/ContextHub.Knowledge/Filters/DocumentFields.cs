namespace ContextHub.Knowledge.Filters;

/// <summary>The document fields a <see cref="MetadataFilter"/> can name.</summary>
public static class DocumentFields
{
    public const string Id = "id";
    public const string Source = "source";
    public const string Title = "title";
    public const string MimeType = "mimeType";
    public const string Tags = "tags";
    public const string CreatedAt = "createdAt";
    public const string UpdatedAt = "updatedAt";
    public const string ContentHash = "contentHash";

    /// <summary>Prefix of free-form metadata fields: <c>metadata.{key}</c>.</summary>
    public const string MetadataPrefix = "metadata.";

    public static string Metadata(string key) => MetadataPrefix + key;

    /// <summary>Whether <paramref name="field"/> is a known field or a <c>metadata.{key}</c> field.</summary>
    public static bool IsKnown(string field) =>
        field is Id or Source or Title or MimeType or Tags or CreatedAt or UpdatedAt or ContentHash ||
        (field.StartsWith(MetadataPrefix, StringComparison.Ordinal) && field.Length > MetadataPrefix.Length);

    public static bool IsDate(string field) => field is CreatedAt or UpdatedAt;
}
