using ContextHub.Knowledge.Indexes;
using ContextHub.Knowledge.Tests;
using Elastic.Clients.Elasticsearch;
using Elastic.Clients.Elasticsearch.IndexManagement;

namespace ContextHub.Knowledge.Elasticsearch.Tests;

/// <summary>
/// The shared backend contract suite against a real Elasticsearch cluster: runs when CONTEXTHUB_ELASTICSEARCH_URL is
/// set (credentials, if any, in CONTEXTHUB_ELASTICSEARCH_API_KEY or CONTEXTHUB_ELASTICSEARCH_USERNAME and
/// CONTEXTHUB_ELASTICSEARCH_PASSWORD), and reports every test as skipped otherwise. Each store gets its own index
/// prefix (unique per run), and its indices and templates are deleted after each test.
/// </summary>
[SkippableTests]
public sealed class ElasticsearchContractTests : KnowledgeStoreContractTests
{
    public const string UrlVariable = "CONTEXTHUB_ELASTICSEARCH_URL";

    private static readonly string RunId = Guid.NewGuid().ToString("N")[..8];
    private static int s_stores;

    private readonly Dictionary<IKnowledgeStore, ElasticsearchStoreOptions> _options = [];
    private readonly List<ElasticsearchStoreOptions> _created = [];

    private static ElasticsearchStoreOptions? ClusterOptions()
    {
        var url = Environment.GetEnvironmentVariable(UrlVariable);
        if (string.IsNullOrWhiteSpace(url))
        {
            return null;
        }

        return new ElasticsearchStoreOptions
        {
            Url = url,
            ApiKey = Environment.GetEnvironmentVariable("CONTEXTHUB_ELASTICSEARCH_API_KEY"),
            Username = Environment.GetEnvironmentVariable("CONTEXTHUB_ELASTICSEARCH_USERNAME"),
            Password = Environment.GetEnvironmentVariable("CONTEXTHUB_ELASTICSEARCH_PASSWORD"),
            NumberOfReplicas = 0,
        };
    }

    protected override async Task<IKnowledgeStore> CreateStoreAsync()
    {
        var options = ClusterOptions();
        Skip.If(options is null, $"Set {UrlVariable} (e.g. http://localhost:9200) to run the contract suite against an Elasticsearch cluster.");
        options!.IndexPrefix = $"contexthub-test-{RunId}-{Interlocked.Increment(ref s_stores)}";
        _created.Add(options);
        var store = await ElasticsearchKnowledgeStore.OpenAsync(options);
        _options[store] = options;
        return store;
    }

    protected override async Task<IKnowledgeStore?> ReopenStoreAsync(IKnowledgeStore store)
    {
        var options = _options[store];
        await store.DisposeAsync();
        var reopened = await ElasticsearchKnowledgeStore.OpenAsync(options);
        _options[reopened] = options;
        return reopened;
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_created.Count == 0)
        {
            return;
        }

        using var settings = ElasticsearchKnowledgeStore.CreateClientSettings(_created[0], null);
        var client = new ElasticsearchClient(settings);
        foreach (var options in _created)
        {
            var schema = new ElasticsearchSchema(options);
            string[] names = [schema.Documents, schema.Chunks, schema.ToolCalls];
            await client.Indices.DeleteAsync(new DeleteIndexRequest(Indices.Parse(string.Join(',', names))) { IgnoreUnavailable = true });
            await client.Indices.DeleteIndexTemplateAsync(new DeleteIndexTemplateRequest(string.Join(',', names)));
        }
    }
}
