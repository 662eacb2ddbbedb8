using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Elastic.Transport;
using Microsoft.Extensions.Logging.Abstractions;

namespace ContextHub.Knowledge.Elasticsearch.Tests;

/// <summary>One HTTP request the client sent.</summary>
public sealed record RecordedRequest(string Method, string Path, string Query, string Body, string? Authorization, string? ContentType, string RawPath)
{
    /// <summary>The path and query string, e.g. <c>PUT /index/_doc/1?refresh=wait_for</c>.</summary>
    public override string ToString() => $"{Method} {Path}{Query}";

    /// <summary>The query-string parameters.</summary>
    public Dictionary<string, string> Parameters =>
        Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .ToDictionary(p => Uri.UnescapeDataString(p[0]), p => p.Length > 1 ? Uri.UnescapeDataString(p[1]) : "", StringComparer.Ordinal);

    public JsonNode? Json => Body.Length == 0 ? null : JsonNode.Parse(Body);

    /// <summary>The lines of an NDJSON body (bulk).</summary>
    public List<JsonNode?> JsonLines => [.. Body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l))];
}

/// <summary>
/// Stands in for the cluster under the official client's own HTTP pipeline: records every request (method, path,
/// query string, body, headers) and answers with canned Elasticsearch responses.
/// </summary>
public sealed class RecordingHandler : HttpMessageHandler
{
    private readonly List<RecordedRequest> _requests = [];

    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>Answers a request; null falls through to <see cref="DefaultResponse"/>.</summary>
    public Func<RecordedRequest, (int Status, string Body)?>? Responder { get; set; }

    /// <summary>What GET {chunks}/_mapping answers: by default the chunks index does not exist.</summary>
    public (int Status, string Body) ChunksMapping { get; set; } = (404, IndexNotFound("test-contexthub-chunks"));

    public void Clear()
    {
        lock (_requests)
        {
            _requests.Clear();
        }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = "";
        if (request.Content is { } content)
        {
            // The client gzips request bodies (its HTTP compression is on by default).
            var bytes = await content.ReadAsByteArrayAsync(cancellationToken);
            if (content.Headers.ContentEncoding.Contains("gzip"))
            {
                using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
                using var plain = new MemoryStream();
                await gzip.CopyToAsync(plain, cancellationToken);
                bytes = plain.ToArray();
            }

            body = Encoding.UTF8.GetString(bytes);
        }

        var uri = request.RequestUri!;
        var recorded = new RecordedRequest(
            request.Method.Method,
            Uri.UnescapeDataString(uri.AbsolutePath),
            uri.Query,
            body,
            request.Headers.Authorization?.ToString(),
            request.Content?.Headers.ContentType?.MediaType,
            uri.AbsolutePath);
        lock (_requests)
        {
            _requests.Add(recorded);
        }

        var (status, json) = Responder?.Invoke(recorded) ?? DefaultResponse(recorded);
        var response = new HttpResponseMessage((HttpStatusCode)status)
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
            RequestMessage = request,
        };
        response.Headers.Add("X-Elastic-Product", "Elasticsearch");
        return response;
    }

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken) =>
        SendAsync(request, cancellationToken).GetAwaiter().GetResult();

    public (int Status, string Body) DefaultResponse(RecordedRequest request)
    {
        var path = request.Path;
        if (path.StartsWith("/_index_template/", StringComparison.Ordinal))
        {
            return (200, """{"acknowledged":true}""");
        }

        if (path.EndsWith("/_mapping", StringComparison.Ordinal))
        {
            return ChunksMapping;
        }

        if (path.EndsWith("/_bulk", StringComparison.Ordinal))
        {
            var items = request.JsonLines.Where(l => l?["index"] is not null)
                .Select(l => "{\"index\":{\"_index\":\"" + l!["index"]!["_index"] + "\",\"_id\":\"" + l["index"]!["_id"] + "\",\"_version\":1,\"result\":\"created\",\"status\":201}}");
            return (200, $$"""{"took":3,"errors":false,"items":[{{string.Join(",", items)}}]}""");
        }

        if (path.EndsWith("/_delete_by_query", StringComparison.Ordinal))
        {
            return (200, DeleteByQueryResponse(0));
        }

        if (path.EndsWith("/_search", StringComparison.Ordinal))
        {
            return (200, SearchResponse());
        }

        if (path.EndsWith("/_count", StringComparison.Ordinal))
        {
            return (200, """{"count":0,"_shards":{"total":1,"successful":1,"skipped":0,"failed":0}}""");
        }

        if (path.EndsWith("/_mget", StringComparison.Ordinal))
        {
            return (200, """{"docs":[]}""");
        }

        var segments = request.RawPath.Trim('/').Split('/').Select(Uri.UnescapeDataString).ToArray();
        if (segments.Length == 3 && segments[1] == "_doc")
        {
            return request.Method switch
            {
                "GET" => (404, $$"""{"_index":"{{segments[0]}}","_id":"{{segments[2]}}","found":false}"""),
                "DELETE" => (200, WriteResponse(segments[0], segments[2], "deleted")),
                _ => (201, WriteResponse(segments[0], segments[2], "created")),
            };
        }

        if (segments.Length == 1 && request.Method == "PUT")
        {
            return (200, $$"""{"acknowledged":true,"shards_acknowledged":true,"index":"{{segments[0]}}"}""");
        }

        return (400, $$"""{"error":{"type":"test_exception","reason":"no canned response for {{request}}"},"status":400}""");
    }

    public static string IndexNotFound(string index) =>
        $$"""{"error":{"root_cause":[{"type":"index_not_found_exception","reason":"no such index [{{index}}]"}],"type":"index_not_found_exception","reason":"no such index [{{index}}]","index":"{{index}}"},"status":404}""";

    public static string Error(string type, string reason, int status) =>
        $$"""{"error":{"root_cause":[{"type":"{{type}}","reason":"{{reason}}"}],"type":"{{type}}","reason":"{{reason}}"},"status":{{status}}}""";

    public static string WriteResponse(string index, string id, string result) =>
        $$"""{"_index":"{{index}}","_id":"{{id}}","_version":1,"result":"{{result}}","_shards":{"total":1,"successful":1,"failed":0},"_seq_no":0,"_primary_term":1}""";

    public static string DeleteByQueryResponse(int deleted) =>
        $$"""{"took":2,"timed_out":false,"total":{{deleted}},"deleted":{{deleted}},"batches":1,"version_conflicts":0,"noops":0,"retries":{"bulk":0,"search":0},"throttled_millis":0,"requests_per_second":-1.0,"throttled_until_millis":0,"failures":[]}""";

    public static string SearchResponse(params string[] hits) =>
        "{\"took\":1,\"timed_out\":false,\"_shards\":{\"total\":1,\"successful\":1,\"skipped\":0,\"failed\":0},\"hits\":{\"total\":{\"value\":" + hits.Length + ",\"relation\":\"eq\"},\"max_score\":null,\"hits\":[" + string.Join(",", hits) + "]}}";

    public static string MappingWithModel(string index, string model, int dimensions) =>
        "{\"" + index + "\":{\"mappings\":{\"_meta\":{\"managed_by\":\"contexthub\",\"schema_version\":1,\"embedding_model\":\"" + model + "\",\"embedding_dimensions\":" + dimensions + "},\"dynamic\":\"strict\",\"properties\":{\"embedding\":{\"type\":\"dense_vector\",\"dims\":" + dimensions + "}}}}}";

    /// <summary>A store on this handler, with index prefix "test".</summary>
    public Task<ElasticsearchKnowledgeStore> OpenStoreAsync(Action<ElasticsearchStoreOptions>? configure = null)
    {
        var options = new ElasticsearchStoreOptions { Url = "http://es.test:9200", IndexPrefix = "test" };
        configure?.Invoke(options);
        return ElasticsearchKnowledgeStore.OpenAsync(options, new HttpRequestInvoker((_, _) => this), NullLogger.Instance, CancellationToken.None);
    }
}
