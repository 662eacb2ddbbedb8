using Microsoft.Extensions.Options;

namespace ContextHub.Knowledge.Elasticsearch;

/// <summary>Checks <see cref="ElasticsearchStoreOptions"/> at start; every message names the setting and the fix.</summary>
public sealed class ElasticsearchStoreOptionsValidator : IValidateOptions<ElasticsearchStoreOptions>
{
    internal static readonly string[] VectorIndexTypes = ["hnsw", "int8_hnsw", "int4_hnsw", "bbq_hnsw"];

    private const string S = ElasticsearchStoreOptions.Section;

    public ValidateOptionsResult Validate(string? name, ElasticsearchStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = Check(options);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>The problems found (none when the options are usable).</summary>
    public static IReadOnlyList<string> Check(ElasticsearchStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Url))
        {
            failures.Add($"{S}:Url is empty; set it to the cluster's address, e.g. http://localhost:9200.");
        }
        else if (!Uri.TryCreate(options.Url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            failures.Add($"{S}:Url is '{options.Url}'; use an absolute http:// or https:// address, e.g. http://localhost:9200.");
        }
        else if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            failures.Add($"{S}:Url carries credentials; remove them from the address and set {S}:Username and {S}:Password (or {S}:ApiKey) instead.");
        }

        var hasApiKey = !string.IsNullOrWhiteSpace(options.ApiKey);
        var hasUser = !string.IsNullOrWhiteSpace(options.Username);
        var hasPassword = !string.IsNullOrEmpty(options.Password);
        if (hasApiKey && (hasUser || hasPassword))
        {
            failures.Add($"{S}:ApiKey and {S}:Username/Password are both set; keep one way to authenticate and remove the other.");
        }
        else if (hasUser && !hasPassword)
        {
            failures.Add($"{S}:Password is empty while {S}:Username is '{options.Username}'; set that user's password, or remove Username to connect without basic authentication.");
        }
        else if (hasPassword && !hasUser)
        {
            failures.Add($"{S}:Password is set but {S}:Username is empty; set the user name (e.g. elastic), or remove Password.");
        }

        var prefix = options.IndexPrefix ?? "";
        if (prefix.Length > 0)
        {
            if (prefix.Length > 100)
            {
                failures.Add($"{S}:IndexPrefix is {prefix.Length} characters long; use at most 100.");
            }

            if (prefix.Any(c => c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' or '.')))
            {
                failures.Add($"{S}:IndexPrefix is '{prefix}'; Elasticsearch index names allow only lower case letters, digits, '-', '_' and '.', e.g. 'team-a'.");
            }
            else if (prefix[0] is '-' or '_' or '.')
            {
                failures.Add($"{S}:IndexPrefix is '{prefix}'; index names cannot start with '-', '_' or '.'; start it with a letter or digit.");
            }
        }

        if (!string.IsNullOrEmpty(options.CertificateFingerprint) &&
            options.CertificateFingerprint.Replace(":", "", StringComparison.Ordinal).Length != 64)
        {
            failures.Add($"{S}:CertificateFingerprint is not a SHA-256 fingerprint (64 hex digits, colons allowed); copy the one Elasticsearch printed at its first start, or leave it empty.");
        }

        if (!VectorIndexTypes.Contains(options.VectorIndexType, StringComparer.Ordinal))
        {
            failures.Add($"{S}:VectorIndexType is '{options.VectorIndexType}'; use one of {string.Join(", ", VectorIndexTypes)}.");
        }

        if (options.HnswM is < 2 or > 512)
        {
            failures.Add($"{S}:HnswM is {options.HnswM}; use 2 to 512 (16 is the usual choice).");
        }

        if (options.HnswEfConstruction is < 1 or > 3200)
        {
            failures.Add($"{S}:HnswEfConstruction is {options.HnswEfConstruction}; use 1 to 3200 (100 is the usual choice).");
        }

        if (options.NumCandidatesFactor is < 1 or > 100)
        {
            failures.Add($"{S}:NumCandidatesFactor is {options.NumCandidatesFactor}; use 1 to 100.");
        }

        if (options.NumberOfShards is < 1 or > 1024)
        {
            failures.Add($"{S}:NumberOfShards is {options.NumberOfShards}; use 1 to 1024 (1 suits stores of up to tens of millions of chunks).");
        }

        if (options.NumberOfReplicas is < 0)
        {
            failures.Add($"{S}:NumberOfReplicas is {options.NumberOfReplicas}; use 0 or more (0 on a single-node cluster).");
        }

        if (options.SnippetLength is < 20 or > 2000)
        {
            failures.Add($"{S}:SnippetLength is {options.SnippetLength}; use 20 to 2000 characters.");
        }

        if (options.RequestTimeout <= TimeSpan.Zero)
        {
            failures.Add($"{S}:RequestTimeout is {options.RequestTimeout}; use a positive duration, e.g. 00:00:30.");
        }

        return failures;
    }
}
