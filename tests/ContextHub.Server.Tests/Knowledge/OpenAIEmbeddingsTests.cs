using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using ContextHub.Knowledge;
using ContextHub.Knowledge.Ingestion;
using ContextHub.Knowledge.Search;
using ContextHub.Server.KnowledgeBase;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ContextHub.Server.Tests.Knowledge;

/// <summary>
/// <c>Embeddings:Provider=OpenAI</c> against an OpenAI-compatible endpoint served here (the wire shape of
/// <c>POST /v1/embeddings</c>, as Ollama and vLLM serve it), through the real OpenAI client: requests carry the
/// configured model and key, vectors reach the store, and a store built with one model refuses another.
/// </summary>
public sealed class OpenAIEmbeddingsTests : IAsyncDisposable
{
    private const int Dimensions = 16;
    private readonly string _root = Directory.CreateTempSubdirectory("contexthub-openai-").FullName;
    private readonly ConcurrentQueue<(string Model, string? Authorization, int Inputs)> _requests = new();
    private WebApplication? _endpoint;

    [Fact]
    public async Task Ingests_and_searches_with_a_compatible_endpoint_and_refuses_a_changed_model()
    {
        var endpoint = await StartEndpointAsync();
        await using (var host = await StartHostAsync(endpoint, "fake-embed-16"))
        {
            var ingested = await host.Service.IngestAsync(IngestionRequest.FromText("notes/otters", "Otters hold hands while they sleep in the kelp."));
            Assert.Equal(IngestionStatus.Added, ingested.Status);
            await host.Service.IngestAsync(IngestionRequest.FromText("notes/trains", "Trains leave the station at noon every day."));

            var hits = await host.Service.SearchAsync(new SearchRequest { Query = "sleeping otters in kelp", Mode = SearchMode.Vector, Limit = 1 });
            Assert.Equal(ingested.DocumentId, Assert.Single(hits).DocumentId);
        }

        Assert.NotEmpty(_requests);
        Assert.All(_requests, r => Assert.Equal("fake-embed-16", r.Model));
        Assert.All(_requests, r => Assert.Equal("Bearer test-key", r.Authorization));

        var refused = await Assert.ThrowsAsync<EmbeddingModelMismatchException>(async () => await (await StartHostAsync(endpoint, "another-model")).DisposeAsync());
        Assert.Contains("fake-embed-16", refused.Message, StringComparison.Ordinal);
        Assert.Contains("another-model", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_endpoint_fails_that_document_with_a_clear_error_and_nothing_is_stored()
    {
        var endpoint = await StartEndpointAsync();
        await using var host = await StartHostAsync(endpoint, "fake-embed-16");
        var result = await host.Service.IngestAsync(IngestionRequest.FromText("notes/fail", "FAIL this document, please."));

        Assert.Equal(IngestionStatus.Failed, result.Status);
        Assert.False(string.IsNullOrWhiteSpace(result.Error));
        Assert.Equal(0, await host.Service.Store.Metadata.CountDocumentsAsync());
    }

    [Fact]
    public async Task Starting_does_not_wait_for_the_store_and_its_users_wait_until_it_is_open()
    {
        // The endpoint holds every request until released: binding the model asks it for a vector (the dimension probe).
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var endpoint = await StartEndpointAsync(release.Task);
        await using var host = NewHost(endpoint, "fake-embed-16");

        await host.StartAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        var service = host.GetServiceAsync(CancellationToken.None);
        using var gaveUp = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => host.GetServiceAsync(gaveUp.Token));
        Assert.False(service.IsCompleted);
        Assert.Throws<InvalidOperationException>(() => host.Service);

        release.SetResult();
        var opened = await service.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Same(opened, host.Service);
        Assert.Equal(IngestionStatus.Added, (await opened.IngestAsync(IngestionRequest.FromText("notes/late", "Opened after the probe was answered."))).Status);
    }

    private KnowledgeHost NewHost(Uri endpoint, string model) => KnowledgeHosts.Create(new Dictionary<string, string?>
    {
        ["DataFolder"] = Path.Combine(_root, "data"),
        ["Embeddings:Provider"] = "OpenAI",
        ["Embeddings:Endpoint"] = endpoint.ToString(),
        ["Embeddings:Model"] = model,
        ["Embeddings:ApiKey"] = "test-key",
    }).Host;

    private async Task<KnowledgeHost> StartHostAsync(Uri endpoint, string model)
    {
        var host = NewHost(endpoint, model);
        try
        {
            await host.StartAsync(CancellationToken.None);
            await host.GetServiceAsync(CancellationToken.None);
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// POST /v1/embeddings: a deterministic vector per input (word hashes folded into 16 dimensions), as floats or as
    /// base64 float32 when the client asks for <c>encoding_format: base64</c>; 500 for an input containing "FAIL".
    /// </summary>
    private async Task<Uri> StartEndpointAsync(Task? released = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _endpoint = builder.Build();
        _endpoint.MapPost("/v1/embeddings", async (HttpContext context) =>
        {
            if (released is not null)
            {
                await released;
            }

            var body = (await JsonNode.ParseAsync(context.Request.Body))!.AsObject();
            var inputs = body["input"] is JsonArray array ? array.Select(i => i!.GetValue<string>()).ToList() : [body["input"]!.GetValue<string>()];
            _requests.Enqueue((body["model"]!.GetValue<string>(), context.Request.Headers.Authorization.ToString(), inputs.Count));
            if (inputs.Any(i => i.Contains("FAIL", StringComparison.Ordinal)))
            {
                return Results.Json(new { error = new { message = "the model is overloaded", type = "server_error" } }, statusCode: 500);
            }

            var base64 = body["encoding_format"]?.GetValue<string>() == "base64";
            var data = inputs.Select((input, index) =>
            {
                var vector = Embed(input);
                object embedding = base64 ? Convert.ToBase64String(System.Runtime.InteropServices.MemoryMarshal.AsBytes(vector.AsSpan())) : vector;
                return new { @object = "embedding", index, embedding };
            }).ToList();
            return Results.Json(new { @object = "list", data, model = body["model"]!.GetValue<string>(), usage = new { prompt_tokens = 1, total_tokens = 1 } });
        });
        await _endpoint.StartAsync();
        var address = _endpoint.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/v1");
    }

    private static float[] Embed(string text)
    {
        var vector = new float[Dimensions];
        foreach (var word in TextWords.Of(text))
        {
            var stem = word.Length > 5 ? word[..5] : word;
            var hash = 17;
            foreach (var c in stem)
            {
                hash = unchecked((hash * 31) + c);
            }

            vector[(hash & int.MaxValue) % Dimensions] += 1;
        }

        return vector;
    }

    public async ValueTask DisposeAsync()
    {
        if (_endpoint is not null)
        {
            await _endpoint.DisposeAsync();
        }

        Directory.Delete(_root, recursive: true);
    }
}
