using System.Globalization;

namespace ContextHub.Knowledge.Elasticsearch.Tests;

/// <summary>
/// Writes: the bulk request of a document's chunks (POST /{index}/_bulk, NDJSON), the externally versioned document
/// write (PUT /{index}/_doc/{id}?version_type=external), delete by query (POST /{index}/_delete_by_query), document
/// delete and tool-call records.
/// </summary>
public sealed class WriteRequestTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 2, 3, 4, 5, 678, TimeSpan.Zero);

    private static Document Alpha(string hash = "hash-alpha") => new()
    {
        Id = "alpha",
        Source = "notes/alpha.md",
        Title = "Alpha",
        MimeType = "text/markdown",
        Tags = ["red", "blue"],
        Metadata = new Dictionary<string, string> { ["lang"] = "en", ["year"] = "2021" },
        CreatedAt = T0,
        UpdatedAt = T0.AddHours(1),
        ContentHash = hash,
    };

    private static Chunk C(int ordinal, string text, string? heading, params float[] embedding) => new()
    {
        Id = Chunk.MakeId("alpha", ordinal),
        DocumentId = "alpha",
        Ordinal = ordinal,
        Text = text,
        Heading = heading,
        Embedding = embedding,
    };

    private static async Task<(RecordingHandler, ElasticsearchKnowledgeStore)> BoundStoreAsync(Action<ElasticsearchStoreOptions>? configure = null)
    {
        var handler = new RecordingHandler { ChunksMapping = (200, RecordingHandler.MappingWithModel("test-contexthub-chunks", "m", 4)) };
        var store = await handler.OpenStoreAsync(configure);
        handler.Clear();
        return (handler, store);
    }

    private static string G(long generation) => generation.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task Upsert_bulk_indexes_the_chunks_then_writes_the_document_then_deletes_older_chunks()
    {
        var (handler, store) = await BoundStoreAsync();
        await using var _ = store;
        await store.UpsertDocumentAsync(Alpha(), [C(0, "The quick brown fox.", "Intro", 3, 0, 0, 4), C(1, "Foxes are mammals.", null, 0, 0, 0, 0)]);

        var requests = handler.Requests;
        Assert.Equal(3, requests.Count);

        // 1. Bulk: an action line and a source line per chunk; wait for a refresh so the chunks are searchable.
        var bulk = requests[0];
        Assert.Equal("POST /test-contexthub-chunks/_bulk?refresh=wait_for", bulk.ToString());
        Assert.Equal("application/x-ndjson", bulk.ContentType);
        Assert.EndsWith("\n", bulk.Body, StringComparison.Ordinal);
        var lines = bulk.JsonLines;
        Assert.Equal(4, lines.Count);
        var generation = lines[1]!["generation"]!.GetValue<long>();
        JsonAssert.Equal($$"""{ "index": { "_id": "alpha#0@{{G(generation)}}" } }""", lines[0]);
        // The vector is normalized (3, 0, 0, 4 → 0.6, 0, 0, 0.8); the client writes floats with 9 significant digits.
        var embedding = lines[1]!.AsObject()["embedding"]!.AsArray().Select(v => v!.GetValue<float>()).ToArray();
        Assert.Equal([0.6f, 0f, 0f, 0.8f], embedding);
        lines[1]!.AsObject().Remove("embedding");
        JsonAssert.Equal($$"""
            {
              "chunkId": "alpha#0",
              "ordinal": 0,
              "heading": "Intro",
              "text": "The quick brown fox.",
              "documentId": "alpha",
              "source": "notes/alpha.md",
              "title": "Alpha",
              "mimeType": "text/markdown",
              "tags": ["red", "blue"],
              "metadata": { "lang": "en", "year": "2021" },
              "createdAt": "2025-01-02T03:04:05.678Z",
              "updatedAt": "2025-01-02T04:04:05.678Z",
              "contentHash": "hash-alpha",
              "generation": {{G(generation)}}
            }
            """, lines[1]);
        JsonAssert.Equal($$"""{ "index": { "_id": "alpha#1@{{G(generation)}}" } }""", lines[2]);
        // A zero vector has no direction: cosine cannot index it, so the chunk is stored without one.
        Assert.Null(lines[3]!["embedding"]);
        Assert.Null(lines[3]!["heading"]);

        // 2. The document, versioned externally by generation so an older concurrent write cannot overwrite it.
        var write = requests[1];
        Assert.Equal("PUT", write.Method);
        Assert.Equal("/test-contexthub-documents/_doc/alpha", write.Path);
        Assert.Equal(new Dictionary<string, string> { ["version"] = G(generation), ["version_type"] = "external", ["refresh"] = "wait_for" }, write.Parameters);
        JsonAssert.Equal($$"""
            {
              "documentId": "alpha",
              "source": "notes/alpha.md",
              "title": "Alpha",
              "mimeType": "text/markdown",
              "tags": ["red", "blue"],
              "metadata": { "lang": "en", "year": "2021" },
              "createdAt": "2025-01-02T03:04:05.678Z",
              "updatedAt": "2025-01-02T04:04:05.678Z",
              "contentHash": "hash-alpha",
              "chunkCount": 2,
              "generation": {{G(generation)}}
            }
            """, write.Json);

        // 3. The chunks of earlier versions.
        var cleanup = requests[2];
        Assert.Equal("/test-contexthub-chunks/_delete_by_query", cleanup.Path);
        Assert.Equal(new Dictionary<string, string> { ["conflicts"] = "proceed", ["ignore_unavailable"] = "true", ["refresh"] = "true" }, cleanup.Parameters);
        JsonAssert.Equal($$"""
            {
              "query": {
                "bool": {
                  "filter": [
                    { "term": { "documentId": { "value": "alpha" } } },
                    { "range": { "generation": { "lt": {{G(generation)}} } } }
                  ]
                }
              }
            }
            """, cleanup.Json);
    }

    [Fact]
    public async Task Each_write_gets_a_larger_generation()
    {
        var (handler, store) = await BoundStoreAsync();
        await using var _ = store;
        await store.UpsertDocumentAsync(Alpha(), [C(0, "one", null, 1, 0, 0, 0)]);
        await store.UpsertDocumentAsync(Alpha("hash-2"), [C(0, "two", null, 1, 0, 0, 0)]);
        var versions = handler.Requests.Where(r => r.Path.EndsWith("/_doc/alpha", StringComparison.Ordinal)).Select(r => long.Parse(r.Parameters["version"], CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(2, versions.Count);
        Assert.True(versions[1] > versions[0]);
    }

    [Fact]
    public async Task Large_documents_are_sent_in_several_bulk_requests_and_only_the_last_waits_for_refresh()
    {
        var (handler, store) = await BoundStoreAsync(o => o.Refresh = ElasticsearchRefreshMode.Immediate);
        await using var _ = store;
        var chunks = Enumerable.Range(0, ElasticsearchKnowledgeStore.BulkBatchSize + 3).Select(i => C(i, "chunk " + i, null, 1, 0, 0, 0)).ToList();
        await store.UpsertDocumentAsync(Alpha(), chunks);
        var bulks = handler.Requests.Where(r => r.Path.EndsWith("/_bulk", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, bulks.Count);
        Assert.Equal("", bulks[0].Query);
        Assert.Equal("?refresh=true", bulks[1].Query);
        Assert.Equal(2 * ElasticsearchKnowledgeStore.BulkBatchSize, bulks[0].JsonLines.Count);
        Assert.Equal(6, bulks[1].JsonLines.Count);
        Assert.Equal("true", handler.Requests.Single(r => r.Method == "PUT").Parameters["refresh"]);
    }

    [Fact]
    public async Task A_failed_bulk_item_fails_the_write_and_removes_the_chunks_it_added()
    {
        var (handler, store) = await BoundStoreAsync();
        await using var _ = store;
        handler.Responder = r => r.Path.EndsWith("/_bulk", StringComparison.Ordinal)
            ? (200, """
                {"took":3,"errors":true,"items":[
                  {"index":{"_index":"test-contexthub-chunks","_id":"alpha#0@1","status":201,"result":"created","_version":1}},
                  {"index":{"_index":"test-contexthub-chunks","_id":"alpha#1@1","status":400,"error":{"type":"document_parsing_exception","reason":"[1:20] failed to parse"}}}
                ]}
                """)
            : null;

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => store.UpsertDocumentAsync(Alpha(), [C(0, "a", null, 1, 0, 0, 0), C(1, "b", null, 1, 0, 0, 0)]));
        Assert.Contains("1 of 2 items failed", error.Message, StringComparison.Ordinal);
        Assert.Contains("document_parsing_exception", error.Message, StringComparison.Ordinal);

        var requests = handler.Requests;
        var generation = requests[0].JsonLines[1]!["generation"]!.GetValue<long>();
        // No document write; the current record is read (it is not ours) and our generation's chunks are deleted.
        Assert.DoesNotContain(requests, r => r.Method == "PUT");
        Assert.Equal("GET /test-contexthub-documents/_doc/alpha", requests[1].ToString());
        Assert.Equal("/test-contexthub-chunks/_delete_by_query", requests[2].Path);
        JsonAssert.Equal($$"""
            {
              "query": {
                "bool": {
                  "filter": [
                    { "term": { "documentId": { "value": "alpha" } } },
                    { "term": { "generation": { "value": {{G(generation)}} } } }
                  ]
                }
              }
            }
            """, requests[2].Json);
    }

    [Fact]
    public async Task Invalid_writes_are_refused_before_any_request()
    {
        var (handler, store) = await BoundStoreAsync();
        await using var _ = store;
        await Assert.ThrowsAsync<ArgumentException>(() => store.UpsertDocumentAsync(Alpha(), [C(0, "a", null, 1, 0, 0, 0), C(0, "b", null, 1, 0, 0, 0)]));
        await Assert.ThrowsAsync<EmbeddingModelMismatchException>(() => store.UpsertDocumentAsync(Alpha(), [C(0, "a", null, 1, 0, 0)]));
        Assert.Empty(handler.Requests);
    }

    [Fact]
    public async Task A_write_superseded_by_a_newer_one_removes_its_own_chunks()
    {
        var (handler, store) = await BoundStoreAsync();
        await using var _ = store;
        handler.Responder = r => r.Method == "PUT" && r.Path.Contains("/_doc/", StringComparison.Ordinal)
            ? (409, RecordingHandler.Error("version_conflict_engine_exception", "[alpha]: version conflict, current version [9] is higher or equal to the one provided [1]", 409))
            : null;
        await store.UpsertDocumentAsync(Alpha(), [C(0, "a", null, 1, 0, 0, 0)]);
        var last = handler.Requests[^1];
        Assert.Equal("/test-contexthub-chunks/_delete_by_query", last.Path);
        Assert.NotNull(last.Json!["query"]!["bool"]!["filter"]![1]!["term"]!["generation"]);
    }

    [Fact]
    public async Task Delete_removes_the_document_record_then_all_its_chunks()
    {
        var (handler, store) = await BoundStoreAsync();
        await using var _ = store;
        Assert.True(await store.DeleteDocumentAsync("notes/a b.md"));
        Assert.Equal(2, handler.Requests.Count);
        Assert.Equal("DELETE /test-contexthub-documents/_doc/notes/a b.md?refresh=wait_for", handler.Requests[0].ToString());
        Assert.Equal("POST /test-contexthub-chunks/_delete_by_query?conflicts=proceed&ignore_unavailable=true&refresh=true", handler.Requests[1].ToString());
        JsonAssert.Equal("""{ "query": { "bool": { "filter": { "term": { "documentId": { "value": "notes/a b.md" } } } } } }""", handler.Requests[1].Json);

        handler.Responder = r => r.Method == "DELETE"
            ? (404, """{"_index":"test-contexthub-documents","_id":"gone","_version":1,"result":"not_found","_shards":{"total":1,"successful":1,"failed":0},"_seq_no":3,"_primary_term":1}""")
            : null;
        Assert.False(await store.DeleteDocumentAsync("gone"));
    }

    [Fact]
    public async Task Document_ids_are_escaped_in_the_path()
    {
        var (handler, store) = await BoundStoreAsync();
        await using var _ = store;
        await store.DeleteDocumentAsync("a/b?c#d");
        Assert.Equal("/test-contexthub-documents/_doc/a%2Fb%3Fc%23d", handler.Requests[0].RawPath);
        Assert.Equal("?refresh=wait_for", handler.Requests[0].Query);
    }

    [Fact]
    public async Task Tool_calls_are_indexed_by_id_with_a_truncated_result()
    {
        var (handler, store) = await BoundStoreAsync();
        await using var _ = store;
        await store.Metadata.RecordToolCallAsync(new ToolCallRecord
        {
            Id = "call-1",
            Caller = "alice",
            Tool = "search",
            ArgumentsHash = "abc",
            Duration = TimeSpan.FromMilliseconds(12.5),
            Outcome = ToolCallOutcome.TimedOut,
            Result = new string('x', 5000),
            Timestamp = T0,
            SessionId = "s1",
        });
        var request = Assert.Single(handler.Requests);
        Assert.Equal("PUT /test-contexthub-tool-calls/_doc/call-1?refresh=wait_for", request.ToString());
        var body = request.Json!;
        var sequence = body["sequence"]!.GetValue<long>();
        var result = body["result"]!.GetValue<string>();
        Assert.Equal(ToolCallRecord.MaxResultLength, result.Length);
        JsonAssert.Equal($$"""
            {
              "id": "call-1",
              "caller": "alice",
              "tool": "search",
              "argumentsHash": "abc",
              "durationMs": 12.5,
              "outcome": "TimedOut",
              "result": "{{result}}",
              "timestamp": "2025-01-02T03:04:05.678Z",
              "sessionId": "s1",
              "sequence": {{G(sequence)}}
            }
            """, body);
    }

    [Fact]
    public async Task Tool_call_records_in_a_batch_go_in_bulk_requests_of_five_hundred()
    {
        var (handler, store) = await BoundStoreAsync();
        await using var _ = store;
        var records = Enumerable.Range(0, 1_001).Select(i => new ToolCallRecord
        {
            Id = "call-" + i.ToString(CultureInfo.InvariantCulture),
            Caller = "anonymous@streamablehttp",
            Tool = "echo",
            ArgumentsHash = "abc",
            Outcome = ToolCallOutcome.Success,
            Result = "echo: " + i.ToString(CultureInfo.InvariantCulture),
            Timestamp = T0,
        }).ToList();

        await store.Metadata.RecordToolCallsAsync(records);

        var requests = handler.Requests;
        Assert.Equal(["POST /test-contexthub-tool-calls/_bulk?refresh=wait_for"], requests.Select(r => r.ToString()).Distinct());
        Assert.Equal([1_000, 1_000, 2], requests.Select(r => r.JsonLines.Count));
        JsonAssert.Equal("""{ "index": { "_id": "call-1000" } }""", requests[2].JsonLines[0]);
        Assert.Equal("echo: 1000", requests[2].JsonLines[1]!["result"]!.GetValue<string>());
    }

    [Fact]
    public async Task Writing_before_binding_is_refused()
    {
        var handler = new RecordingHandler();
        await using var store = await handler.OpenStoreAsync();
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.UpsertDocumentAsync(Alpha(), [C(0, "a", null, 1, 0, 0, 0)]));
    }
}
