using ContextHub.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace ContextHub.Server.Tests.Behaviour;

/// <summary>Bad settings stop the server at start with a message that names the setting and the fix.</summary>
public sealed class ConfigurationTests
{
    [Theory]
    [InlineData("ContextHub:Server:PageSize", "0", "ContextHub:Server:PageSize is 0; use a number from 1 to 10000.")]
    [InlineData("ContextHub:Server:ToolTimeout", "-00:00:01", "ContextHub:Server:ToolTimeout")]
    [InlineData("ContextHub:Gateway:MaxRequestBodyBytes", "10", "ContextHub:Gateway:MaxRequestBodyBytes is 10; use at least 1024")]
    [InlineData("ContextHub:Gateway:AllowedOrigins:0", "not a url", "write origins as scheme://host[:port]")]
    [InlineData("ContextHub:Knowledge:Embeddings:Provider", "Magic", "ContextHub:Knowledge:Embeddings:Provider is 'Magic'; use MiniLM, OpenAI or Hashing.")]
    [InlineData("ContextHub:Knowledge:Backend", "Elasticsearch", "ContextHub:Knowledge:Elasticsearch:Url")]
    [InlineData("ContextHub:Knowledge:Backend", "Cloud", "ContextHub:Knowledge:Backend is 'Cloud'; use Embedded or Elasticsearch.")]
    [InlineData("ContextHub:Knowledge:Chunking:ChunkSize", "10", "ContextHub:Knowledge:Chunking:ChunkSize is 10; a chunk must hold at least 32 characters")]
    [InlineData("ContextHub:Knowledge:Chunking:Overlap", "1000", "ContextHub:Knowledge:Chunking:Overlap is 1000; use 0 or more and less than Chunking:ChunkSize (1000)")]
    [InlineData("ContextHub:Knowledge:MaxDocumentBytes", "0", "ContextHub:Knowledge:MaxDocumentBytes is 0; use a positive size")]
    [InlineData("ContextHub:Knowledge:EmbeddingBatchSize", "0", "ContextHub:Knowledge:EmbeddingBatchSize is 0; use 1 to 4096")]
    [InlineData("ContextHub:Knowledge:HybridCandidates", "0", "ContextHub:Knowledge:HybridCandidates is 0; use 1 to 10000")]
    [InlineData("ContextHub:Knowledge:RrfK", "0", "ContextHub:Knowledge:RrfK is 0; use 1 to 10000")]
    [InlineData("ContextHub:Knowledge:EmbeddingModelId", " ", "ContextHub:Knowledge:EmbeddingModelId is blank")]
    [InlineData("ContextHub:Knowledge:Embedded:FileName", "sub/knowledge.db", "ContextHub:Knowledge:Embedded:FileName is 'sub/knowledge.db'; use a plain file name")]
    [InlineData("ContextHub:Knowledge:Embedded:TextWeight", "-1", "ContextHub:Knowledge:Embedded:TextWeight is -1; use 0 to 100")]
    [InlineData("ContextHub:Knowledge:Embedded:HeadingWeight", "101", "ContextHub:Knowledge:Embedded:HeadingWeight is 101; use 0 to 100")]
    [InlineData("ContextHub:Knowledge:Embedded:TitleWeight", "NaN", "ContextHub:Knowledge:Embedded:TitleWeight is NaN; use 0 to 100")]
    [InlineData("ContextHub:Knowledge:Embedded:Bm25K1", "-0.5", "ContextHub:Knowledge:Embedded:Bm25K1 is -0.5; use 0 to 10")]
    [InlineData("ContextHub:Knowledge:Embedded:Bm25B", "1.5", "ContextHub:Knowledge:Embedded:Bm25B is 1.5; use 0 to 1")]
    [InlineData("ContextHub:Knowledge:Embedded:SnippetLimit", "-1", "ContextHub:Knowledge:Embedded:SnippetLimit is -1")]
    [InlineData("ContextHub:Knowledge:Embedded:SnippetTokens", "65", "ContextHub:Knowledge:Embedded:SnippetTokens is 65; use 4 to 64")]
    [InlineData("ContextHub:Knowledge:Embedded:ParallelScanThreshold", "0", "ContextHub:Knowledge:Embedded:ParallelScanThreshold is 0; use 1 or more")]
    [InlineData("ContextHub:Knowledge:Embedded:ExternalChangesPollInterval", "-00:00:01", "ContextHub:Knowledge:Embedded:ExternalChangesPollInterval is -00:00:01")]
    [InlineData("ContextHub:Knowledge:Embeddings:MiniLM:BatchSize", "0", "ContextHub:Knowledge:Embeddings:MiniLM:BatchSize is 0; use 1 to 1024")]
    [InlineData("ContextHub:Knowledge:Embeddings:MiniLM:MaxInputCharacters", "8", "ContextHub:Knowledge:Embeddings:MiniLM:MaxInputCharacters is 8; use 16 or more")]
    [InlineData("ContextHub:Knowledge:Embeddings:MiniLM:IntraOpThreads", "-1", "ContextHub:Knowledge:Embeddings:MiniLM:IntraOpThreads is -1")]
    [InlineData("ContextHub:Knowledge:Embeddings:MiniLM:Quantization", "Int4", "ContextHub:Knowledge:Embeddings:MiniLM:Quantization is 'Int4'; use Int8 (8-bit weights, the default) or None")]
    [InlineData("ContextHub:Knowledge:Embeddings:Dimensions", "4", "ContextHub:Knowledge:Embeddings:Dimensions is 4; use 8 to 4096.", "ContextHub:Knowledge:Embeddings:Provider", "hashing")]
    [InlineData("ContextHub:Knowledge:Embeddings:Endpoint", "not a url", "ContextHub:Knowledge:Embeddings:Endpoint is 'not a url'; set the OpenAI-compatible endpoint", "ContextHub:Knowledge:Embeddings:Provider", "OpenAI")]
    [InlineData("ContextHub:Knowledge:Embeddings:Endpoint", "http://localhost:11434/v1", "ContextHub:Knowledge:Embeddings:Model is empty; name the embedding model", "ContextHub:Knowledge:Embeddings:Provider", "openai")]
    [InlineData("ContextHub:Resources:Folders:samples", "", "ContextHub:Resources:Folders:samples is empty; set it to the folder served as res://samples/")]
    public async Task A_bad_setting_stops_the_start_and_names_itself(string key, string value, string message, string? otherKey = null, string? otherValue = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing", ContentRootPath = AppContext.BaseDirectory });
        var settings = new Dictionary<string, string?> { [key] = value, ["ContextHub:Samples:Enabled"] = "false" };
        if (otherKey is not null)
        {
            settings[otherKey] = otherValue;
        }

        builder.Configuration.AddInMemoryCollection(settings);
        builder.WebHost.UseUrls("http://127.0.0.1:0");

        // A choice that names nothing (Backend, Embeddings:Provider) is refused while the server is composed; the rest when it starts.
        var error = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            builder.Services.AddContextHubServer(builder.Configuration);
            await using var app = builder.Build();
            app.MapContextHub();
            await app.StartAsync();
        });

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_chunk_unit_that_is_no_unit_stops_the_start_and_names_the_setting()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing", ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["ContextHub:Knowledge:Chunking:Unit"] = "Words", ["ContextHub:Samples:Enabled"] = "false" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddContextHubServer(builder.Configuration);
        await using var app = builder.Build();

        // The configuration binder refuses a value that is no member of the enum, naming the setting.
        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            app.MapContextHub();
            await app.StartAsync();
        });

        Assert.Contains("'ContextHub:Knowledge:Chunking:Unit'", error.Message, StringComparison.Ordinal);
    }
}
