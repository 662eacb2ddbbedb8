using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ContextHub.Knowledge.Elasticsearch.Tests;

/// <summary>Configuration binding, validation messages and authentication headers.</summary>
public sealed class OptionsTests
{
    private const string S = "ContextHub:Knowledge:Elasticsearch";

    [Fact]
    public void Options_bind_from_the_configuration_section()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"{S}:Url"] = "https://search.example.com:9200",
            [$"{S}:ApiKey"] = "a2V5OnNlY3JldA==",
            [$"{S}:IndexPrefix"] = "team-a",
            [$"{S}:Refresh"] = "Immediate",
            [$"{S}:NumberOfReplicas"] = "0",
        }).Build();
        var services = new ServiceCollection();
        services.AddElasticsearchKnowledgeStoreOptions(configuration);
        using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<ElasticsearchStoreOptions>>().Value;
        Assert.Equal("https://search.example.com:9200", options.Url);
        Assert.Equal("a2V5OnNlY3JldA==", options.ApiKey);
        Assert.Equal("team-a", options.IndexPrefix);
        Assert.Equal(ElasticsearchRefreshMode.Immediate, options.Refresh);
        Assert.Equal(0, options.NumberOfReplicas);
    }

    [Fact]
    public async Task Invalid_settings_stop_the_host_at_start_naming_each_setting()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"{S}:Url"] = "localhost:9200",
            [$"{S}:Username"] = "elastic",
            [$"{S}:IndexPrefix"] = "Team A",
        });
        builder.Services.AddElasticsearchKnowledgeStoreOptions(builder.Configuration);
        using var host = builder.Build();
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains($"{S}:Url is 'localhost:9200'; use an absolute http:// or https:// address", error.Message, StringComparison.Ordinal);
        Assert.Contains($"{S}:Password is empty while {S}:Username is 'elastic'", error.Message, StringComparison.Ordinal);
        Assert.Contains($"{S}:IndexPrefix is 'Team A'", error.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> Problems() => new()
    {
        { "", $"{S}:Url is empty; set it to the cluster's address, e.g. http://localhost:9200." },
        { "url=ftp://x", $"{S}:Url is 'ftp://x'" },
        { "url=http://elastic:secret@localhost:9200", $"{S}:Url carries credentials" },
        { "apikey=k;user=u;password=p", $"{S}:ApiKey and {S}:Username/Password are both set" },
        { "password=p", $"{S}:Password is set but {S}:Username is empty" },
        { "prefix=-x", $"{S}:IndexPrefix is '-x'; index names cannot start with" },
        { "prefix=a*b", $"{S}:IndexPrefix is 'a*b'; Elasticsearch index names allow only" },
        { "vector=flat", $"{S}:VectorIndexType is 'flat'; use one of hnsw, int8_hnsw, int4_hnsw, bbq_hnsw." },
        { "m=1", $"{S}:HnswM is 1" },
        { "fingerprint=abc", $"{S}:CertificateFingerprint is not a SHA-256 fingerprint" },
    };

    [Theory]
    [MemberData(nameof(Problems))]
    public void Each_problem_names_the_setting_and_the_fix(string settings, string message)
    {
        var options = new ElasticsearchStoreOptions { Url = "http://localhost:9200" };
        foreach (var pair in settings.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2)))
        {
            switch (pair[0])
            {
                case "url": options.Url = pair[1]; break;
                case "apikey": options.ApiKey = pair[1]; break;
                case "user": options.Username = pair[1]; break;
                case "password": options.Password = pair[1]; break;
                case "prefix": options.IndexPrefix = pair[1]; break;
                case "vector": options.VectorIndexType = pair[1]; break;
                case "m": options.HnswM = int.Parse(pair[1], System.Globalization.CultureInfo.InvariantCulture); break;
                case "fingerprint": options.CertificateFingerprint = pair[1]; break;
            }
        }

        if (settings.Length == 0)
        {
            options.Url = null;
        }

        var failure = Assert.Single(ElasticsearchStoreOptionsValidator.Check(options));
        Assert.StartsWith(message, failure, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Opening_with_invalid_options_throws_before_any_request()
    {
        var handler = new RecordingHandler();
        await Assert.ThrowsAsync<OptionsValidationException>(() => handler.OpenStoreAsync(o => o.Url = ""));
        Assert.Empty(handler.Requests);
    }

    [Fact]
    public async Task An_api_key_is_sent_in_the_authorization_header()
    {
        var handler = new RecordingHandler();
        await using var store = await handler.OpenStoreAsync(o => o.ApiKey = "a2V5OnNlY3JldA==");
        Assert.All(handler.Requests, r => Assert.Equal("ApiKey a2V5OnNlY3JldA==", r.Authorization));
    }

    [Fact]
    public async Task A_user_and_password_are_sent_as_basic_authentication()
    {
        var handler = new RecordingHandler();
        await using var store = await handler.OpenStoreAsync(o =>
        {
            o.Username = "elastic";
            o.Password = "changeme";
        });
        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("elastic:changeme"));
        Assert.All(handler.Requests, r => Assert.Equal(expected, r.Authorization));
    }

    [Fact]
    public async Task Without_credentials_no_authorization_header_is_sent()
    {
        var handler = new RecordingHandler();
        await using var store = await handler.OpenStoreAsync();
        Assert.All(handler.Requests, r => Assert.Null(r.Authorization));
    }
}
