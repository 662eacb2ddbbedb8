using System.Globalization;
using System.Text.Json;
using Elastic.Clients.Elasticsearch;
using Elastic.Clients.Elasticsearch.IndexManagement;
using Elastic.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ContextHub.Knowledge.Elasticsearch;

// Opening: the client, the index templates and indices, and the embedding model the chunks index was built with.
public sealed partial class ElasticsearchKnowledgeStore
{
    /// <summary>
    /// Connects to the cluster, creates or updates the index templates, creates the documents and tool-call indices
    /// when missing and reads the embedding model the chunks index was built with (if it exists).
    /// Throws <see cref="OptionsValidationException"/> for unusable options.
    /// </summary>
    public static Task<ElasticsearchKnowledgeStore> OpenAsync(ElasticsearchStoreOptions options, ILogger<ElasticsearchKnowledgeStore>? logger = null, CancellationToken cancellationToken = default) =>
        OpenAsync(options, null, logger, cancellationToken);

    /// <summary>As <see cref="OpenAsync(ElasticsearchStoreOptions, ILogger{ElasticsearchKnowledgeStore}?, CancellationToken)"/>, through <paramref name="requestInvoker"/> (tests).</summary>
    internal static async Task<ElasticsearchKnowledgeStore> OpenAsync(ElasticsearchStoreOptions options, IRequestInvoker? requestInvoker, ILogger? logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = ElasticsearchStoreOptionsValidator.Check(options);
        if (failures.Count > 0)
        {
            throw new OptionsValidationException(ElasticsearchStoreOptions.Section, typeof(ElasticsearchStoreOptions), failures);
        }

        var store = new ElasticsearchKnowledgeStore(options, CreateClientSettings(options, requestInvoker), logger ?? NullLogger.Instance);
        try
        {
            await store.InitializeAsync(cancellationToken);
            return store;
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
    }

    internal static ElasticsearchClientSettings CreateClientSettings(ElasticsearchStoreOptions options, IRequestInvoker? requestInvoker)
    {
        var pool = new SingleNodePool(new Uri(options.Url!));
        var settings = requestInvoker is null ? new ElasticsearchClientSettings(pool) : new ElasticsearchClientSettings(pool, requestInvoker);
        settings.RequestTimeout(options.RequestTimeout);
        if (!string.IsNullOrWhiteSpace(options.ApiKey))
        {
            settings.Authentication(new ApiKey(options.ApiKey.Trim()));
        }
        else if (!string.IsNullOrWhiteSpace(options.Username))
        {
            settings.Authentication(new BasicAuthentication(options.Username, options.Password ?? ""));
        }

        if (!string.IsNullOrWhiteSpace(options.CertificateFingerprint))
        {
            settings.CertificateFingerprint(options.CertificateFingerprint.Trim());
        }

        return settings;
    }

    private async Task CreateIndexIfMissingAsync(string index, CancellationToken cancellationToken)
    {
        var response = await _client.Indices.CreateAsync(new CreateIndexRequest(index), cancellationToken);
        if (!response.IsValidResponse && !IsError(response, "resource_already_exists_exception"))
        {
            throw Failure(response, $"create the index {index}");
        }
    }

    /// <summary>The model recorded in the chunks index's mapping <c>_meta</c>; null when the index does not exist yet.</summary>
    private async Task<EmbeddingModelInfo?> ReadBoundModelAsync(CancellationToken cancellationToken)
    {
        var response = await _client.Indices.GetMappingAsync(new GetMappingRequest(_schema.Chunks), cancellationToken);
        if (!response.IsValidResponse)
        {
            if (response.ApiCallDetails.HttpStatusCode == 404)
            {
                return null;
            }

            throw Failure(response, $"read the mapping of {_schema.Chunks}");
        }

        var meta = response.Mappings.Values.FirstOrDefault()?.Mappings?.Meta;
        if (meta is null || !meta.TryGetValue("embedding_model", out var model) || !meta.TryGetValue("embedding_dimensions", out var dims) ||
            !int.TryParse(MetaString(dims), NumberStyles.Integer, CultureInfo.InvariantCulture, out var dimensions))
        {
            throw new InvalidOperationException(
                $"The index {_schema.Chunks} exists but does not record an embedding model in its mapping's _meta, so ContextHub did not make it. " +
                $"Delete it, or set {ElasticsearchStoreOptions.Section}:IndexPrefix so ContextHub uses other index names.");
        }

        return new EmbeddingModelInfo(MetaString(model) ?? "", dimensions);
    }

    private static string? MetaString(object? value) => value switch
    {
        null => null,
        JsonElement { ValueKind: JsonValueKind.String } e => e.GetString(),
        JsonElement e => e.GetRawText(),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };
}
