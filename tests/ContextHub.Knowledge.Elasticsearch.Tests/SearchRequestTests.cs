using System.Globalization;
using ContextHub.Knowledge.Filters;
using ContextHub.Knowledge.Indexes;

namespace ContextHub.Knowledge.Elasticsearch.Tests;

/// <summary>
/// Reads: the kNN search (top-level <c>knn</c> with a filter), the BM25 <c>match</c> search with highlighting, chunk
/// and document reads (<c>_source.exclude_vectors</c>, <c>_mget</c>, <c>search_after</c>), the sources aggregation
/// (<c>composite</c>) and tool-call queries, each against POST /{index}/_search as in the Elasticsearch 9 search API.
/// </summary>
public sealed class SearchRequestTests
{
    private static async Task<(RecordingHandler, ElasticsearchKnowledgeStore)> BoundStoreAsync(Action<ElasticsearchStoreOptions>? configure = null)
    {
        var handler = new RecordingHandler { ChunksMapping = (200, RecordingHandler.MappingWithModel("test-contexthub-chunks", "m", 4)) };
        var store = await handler.OpenStoreAsync(configure);
        handler.Clear();
        return (handler, store);
    }

    [Fact]
    public async Task Knn_search_sends_the_normalized_vector_k_candidates_and_the_filter()
    {
        var (handler, store) = await BoundStoreAsync();
        await using var _ = store;
        handler.Responder = r => (200, RecordingHandler.SearchResponse(
            """{"_index":"test-contexthub-chunks","_id":"alpha#0@5","_score":0.995,"_source":{"chunkId":"alpha#0","documentId":"alpha"}}""",
            """{"_index":"test-contexthub-chunks","_id":"beta#0@6","_score":0.5,"_source":{"chunkId":"beta#0","documentId":"beta"}}"""));

        var hits = await store.Vectors.SearchAsync(new float[] { 0, 3, 0, 4 }, 5, MetadataFilter.Equal(DocumentFields.Source, "src/a"));

        var request = Assert.Single(handler.Requests);
        Assert.Equal("POST /test-contexthub-chunks/_search", request.ToString());
        JsonAssert.Equal("""
            {
              "size": 5,
              "_source": { "includes": ["chunkId", "documentId"] },
              "knn": {
                "field": "embedding",
                "query_vector": [0.0, 0.6, 0.0, 0.8],
                "k": 5,
                "num_candidates": 100,
                "filter": { "term": { "source": { "value": "src/a" } } }
              }
            }
            """, request.Json);

        // Elasticsearch scores cosine as (1 + cos) / 2; the index reports the cosine itself.
        Assert.Equal(["alpha#0", "beta#0"], hits.Select(h => h.ChunkId));
        Assert.Equal(0.99, hits[0].Score, 6);
        Assert.Equal(0.0, hits[1].Score, 6);
    }

    [Fact]
    public async Task Knn_candidates_grow_with_k_up_to_the_limit()
    {
        var (handler, store) = await BoundStoreAsync();
        await using var _ = store;
        await store.Vectors.SearchAsync(new float[] { 1, 0, 0, 0 }, 50);
        await store.Vectors.SearchAsync(new float[] { 1, 0, 0, 0 }, 20_000);
        var knn = handler.Requests.Select(r => r.Json!["knn"]!).ToList();
        Assert.Equal(500, knn[0]["num_candidates"]!.GetValue<int>());
        Assert.Equal(10_000, knn[1]["k"]!.GetValue<int>());
        Assert.Equal(10_000, knn[1]["num_candidates"]!.GetValue<int>());
        Assert.Null(knn[0]["filter"]);
    }

    [Fact]
    public async Task Knn_refuses_a_query_of_another_dimension_and_sends_nothing_for_a_zero_vector()
    {
        var (handler, store) = await BoundStoreAsync();
        await using var _ = store;
        await Assert.ThrowsAsync<EmbeddingModelMismatchException>(() => store.Vectors.SearchAsync(new float[8], 3));
        Assert.Empty(await store.Vectors.SearchAsync(new float[4], 3));
        Assert.Empty(handler.Requests);
    }

    [Fact]
    public async Task Full_text_search_is_a_match_query_with_filter_and_highlight()
    {
        var (handler, store) = await BoundStoreAsync(o => o.SnippetLength = 120);
        await using var _ = store;
        handler.Responder = r => (200, RecordingHandler.SearchResponse(
            """
            {"_index":"test-contexthub-chunks","_id":"beta#0@7","_score":2.5,
             "_source":{"chunkId":"beta#0","documentId":"beta","text":"Der schnelle braune Fuchs. Databases store rows in tables."},
             "highlight":{"text":["Der schnelle braune Fuchs. **Databases** **store** rows in tables."]}}
            """,
            """
            {"_index":"test-contexthub-chunks","_id":"gamma#3@7","_score":1.25,
             "_source":{"chunkId":"gamma#3","documentId":"gamma","text":"A long introduction. Then the part that matters: rows are stored in pages. And a long tail after it."},
             "highlight":{"text":["Then the part that matters: **rows** are stored in pages."]}}
            """));

        var hits = await store.FullText.SearchAsync("what stores rows in DATABASES?", 10, MetadataFilter.Equal(DocumentFields.Tags, "db"));

        var request = Assert.Single(handler.Requests);
        Assert.Equal("POST /test-contexthub-chunks/_search", request.ToString());
        JsonAssert.Equal("""
            {
              "size": 10,
              "_source": { "includes": ["chunkId", "documentId", "text"] },
              "query": {
                "bool": {
                  "must": { "match": { "text": { "query": "what stores rows in DATABASES?", "operator": "or" } } },
                  "filter": { "term": { "tags": { "value": "db" } } }
                }
              },
              "highlight": {
                "pre_tags": ["**"],
                "post_tags": ["**"],
                "encoder": "default",
                "fields": {
                  "text": { "type": "unified", "fragment_size": 120, "number_of_fragments": 1, "no_match_size": 120 }
                }
              }
            }
            """, request.Json);

        Assert.Equal(2, hits.Count);
        Assert.Equal(new FullTextHit("beta#0", "beta", 2.5, "Der schnelle braune Fuchs. **Databases** **store** rows in tables."), hits[0]);
        Assert.Equal("…Then the part that matters: **rows** are stored in pages.…", hits[1].Snippet);
    }

    [Fact]
    public async Task Full_text_without_words_or_before_binding_sends_nothing()
    {
        var (handler, store) = await BoundStoreAsync();
        await using (store)
        {
            Assert.Empty(await store.FullText.SearchAsync("   ", 5));
            Assert.Empty(handler.Requests);
        }

        var unbound = new RecordingHandler();
        await using var fresh = await unbound.OpenStoreAsync();
        unbound.Clear();
        Assert.Empty(await fresh.FullText.SearchAsync("fox", 5));
        Assert.Empty(await fresh.Vectors.SearchAsync(new float[] { 1, 0 }, 5));
        Assert.Empty(unbound.Requests);
    }

    [Fact]
    public async Task Invalid_filters_are_refused_before_any_request()
    {
        var (handler, store) = await BoundStoreAsync();
        await using var _ = store;
        await Assert.ThrowsAsync<ArgumentException>(() => store.FullText.SearchAsync("fox", 3, MetadataFilter.Equal("colour", "red")));
        await Assert.ThrowsAsync<ArgumentException>(() => store.Vectors.SearchAsync(new float[] { 1, 0, 0, 0 }, 3, MetadataFilter.And()));
        await Assert.ThrowsAsync<ArgumentException>(() => store.Metadata.FindDocumentsAsync(MetadataFilter.Range(DocumentFields.CreatedAt, "yesterday")));
        Assert.Empty(handler.Requests);
    }

    private const string AlphaRecord = """
        {"documentId":"alpha","source":"src/a","title":"Alpha","mimeType":"text/plain","tags":["red"],"metadata":{"lang":"en"},
         "createdAt":"2025-01-01T00:00:00.000Z","updatedAt":"2025-01-02T00:00:00.000Z","contentHash":"hash-alpha","chunkCount":2,"generation":7}
        """;

    [Fact]
    public async Task Reading_a_documents_chunks_asks_for_the_current_generation_with_vectors()
    {
        var (handler, store) = await BoundStoreAsync();
        await using var _ = store;
        handler.Responder = r => r.Method switch
        {
            "GET" => (200, $$"""{"_index":"test-contexthub-documents","_id":"alpha","_version":7,"_seq_no":0,"_primary_term":1,"found":true,"_source":{{AlphaRecord}}}"""),
            _ => (200, RecordingHandler.SearchResponse(
                """{"_index":"test-contexthub-chunks","_id":"alpha#0@7","_score":null,"sort":[0],"_source":{"chunkId":"alpha#0","documentId":"alpha","ordinal":0,"text":"one","heading":"H","embedding":[1.0,0.0,0.0,0.0],"generation":7}}""",
                """{"_index":"test-contexthub-chunks","_id":"alpha#1@7","_score":null,"sort":[1],"_source":{"chunkId":"alpha#1","documentId":"alpha","ordinal":1,"text":"two","generation":7}}""")),
        };

        var chunks = await store.Metadata.GetChunksAsync("alpha");

        Assert.Equal("GET /test-contexthub-documents/_doc/alpha", handler.Requests[0].ToString());
        Assert.Equal("POST /test-contexthub-chunks/_search?ignore_unavailable=true", handler.Requests[1].ToString());
        JsonAssert.Equal("""
            {
              "query": {
                "bool": {
                  "filter": [
                    { "term": { "documentId": { "value": "alpha" } } },
                    { "term": { "generation": { "value": 7 } } }
                  ]
                }
              },
              "sort": { "ordinal": { "order": "asc" } },
              "size": 1000,
              "_source": { "exclude_vectors": false }
            }
            """, handler.Requests[1].Json);

        Assert.Equal(["alpha#0", "alpha#1"], chunks.Select(c => c.Id));
        Assert.Equal([1f, 0, 0, 0], chunks[0].Embedding.ToArray());
        Assert.Equal(4, chunks[1].Embedding.Length);
        Assert.Equal("H", chunks[0].Heading);
        var document = chunks[0].Document!;
        Assert.Equal(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero), document.CreatedAt);
        Assert.Equal(["red"], document.Tags);
        Assert.Equal("en", document.Metadata["lang"]);
        Assert.Equal(2, document.ChunkCount);
    }

    [Fact]
    public async Task Chunks_by_id_keep_only_the_generation_their_document_names()
    {
        var (handler, store) = await BoundStoreAsync();
        await using var _ = store;
        handler.Responder = r => r.Path.EndsWith("/_mget", StringComparison.Ordinal)
            ? (200, $$"""{"docs":[{"_index":"test-contexthub-documents","_id":"alpha","_version":7,"_seq_no":0,"_primary_term":1,"found":true,"_source":{{AlphaRecord}}}]}""")
            : (200, RecordingHandler.SearchResponse(
                """{"_index":"test-contexthub-chunks","_id":"alpha#0@6","_score":null,"sort":["alpha#0",6],"_source":{"chunkId":"alpha#0","documentId":"alpha","ordinal":0,"text":"old","generation":6}}""",
                """{"_index":"test-contexthub-chunks","_id":"alpha#0@7","_score":null,"sort":["alpha#0",7],"_source":{"chunkId":"alpha#0","documentId":"alpha","ordinal":0,"text":"new","generation":7}}""",
                """{"_index":"test-contexthub-chunks","_id":"orphan#0@1","_score":null,"sort":["orphan#0",1],"_source":{"chunkId":"orphan#0","documentId":"orphan","ordinal":0,"text":"x","generation":1}}"""));

        var chunks = await store.Metadata.GetChunksByIdAsync(["orphan#0", "alpha#0", "alpha#0"]);

        JsonAssert.Equal("""
            {
              "query": { "bool": { "filter": { "terms": { "chunkId": ["orphan#0", "alpha#0"] } } } },
              "sort": [ { "chunkId": { "order": "asc" } }, { "generation": { "order": "asc" } } ],
              "size": 1000,
              "_source": { "exclude_vectors": false }
            }
            """, handler.Requests[0].Json);
        Assert.Equal("POST /test-contexthub-documents/_mget", handler.Requests[1].ToString());
        JsonAssert.Equal("""{ "ids": ["alpha", "orphan"] }""", handler.Requests[1].Json);
        Assert.Equal("new", Assert.Single(chunks).Text);
    }

    [Fact]
    public async Task Finding_documents_pages_by_id_with_from_and_size_inside_the_window()
    {
        var (handler, store) = await BoundStoreAsync();
        await using var _ = store;
        await store.Metadata.FindDocumentsAsync(MetadataFilter.Exists(DocumentFields.Metadata("lang")), limit: 20, offset: 40);
        Assert.Equal("POST /test-contexthub-documents/_search?ignore_unavailable=true", handler.Requests[0].ToString());
        JsonAssert.Equal("""
            {
              "query": { "bool": { "filter": { "exists": { "field": "metadata.lang" } } } },
              "sort": { "documentId": { "order": "asc" } },
              "from": 40,
              "size": 20
            }
            """, handler.Requests[0].Json);
    }

    [Fact]
    public async Task Finding_documents_beyond_the_result_window_pages_with_search_after()
    {
        var (handler, store) = await BoundStoreAsync();
        await using var _ = store;
        var served = 0;
        handler.Responder = r =>
        {
            // Pages of 1000 ids: "d00000".."d10999".
            var hits = Enumerable.Range(served, 1000).Select(i =>
                "{\"_index\":\"test-contexthub-documents\",\"_id\":\"d" + i.ToString("D5", CultureInfo.InvariantCulture) + "\",\"_score\":null,\"sort\":[\"d" + i.ToString("D5", CultureInfo.InvariantCulture) + "\"],\"_source\":{\"documentId\":\"d" + i.ToString("D5", CultureInfo.InvariantCulture) + "\",\"source\":\"s\",\"contentHash\":\"h\",\"createdAt\":\"2025-01-01T00:00:00.000Z\",\"updatedAt\":\"2025-01-01T00:00:00.000Z\"}}").ToArray();
            served += 1000;
            return (200, RecordingHandler.SearchResponse(hits));
        };

        var page = await store.Metadata.FindDocumentsAsync(null, limit: 5, offset: 9_998);

        Assert.Equal(["d09998", "d09999", "d10000", "d10001", "d10002"], page.Select(d => d.Id));
        var requests = handler.Requests;
        Assert.Equal(11, requests.Count);
        JsonAssert.Equal("""{ "sort": { "documentId": { "order": "asc" } }, "size": 1000 }""", requests[0].Json);
        JsonAssert.Equal("""{ "sort": { "documentId": { "order": "asc" } }, "size": 1000, "search_after": ["d00999"] }""", requests[1].Json);
    }

    [Fact]
    public async Task Content_hash_lookup_and_counts()
    {
        var (handler, store) = await BoundStoreAsync();
        await using var _ = store;
        await store.Metadata.FindByContentHashAsync("abc");
        await store.Metadata.CountDocumentsAsync(MetadataFilter.Equal(DocumentFields.Source, "s"));
        await store.Metadata.GetStatsAsync();

        JsonAssert.Equal("""
            {
              "query": { "bool": { "filter": { "term": { "contentHash": { "value": "abc" } } } } },
              "sort": { "documentId": { "order": "asc" } },
              "size": 1000
            }
            """, handler.Requests[0].Json);
        Assert.Equal("POST /test-contexthub-documents/_count?ignore_unavailable=true", handler.Requests[1].ToString());
        JsonAssert.Equal("""{ "query": { "bool": { "filter": { "term": { "source": { "value": "s" } } } } } }""", handler.Requests[1].Json);
        Assert.Equal(
            ["POST /test-contexthub-documents/_count?ignore_unavailable=true", "POST /test-contexthub-chunks/_count?ignore_unavailable=true", "POST /test-contexthub-tool-calls/_count?ignore_unavailable=true"],
            handler.Requests.Skip(2).Select(r => r.ToString()));
    }

    [Fact]
    public async Task Sources_come_from_a_composite_terms_aggregation_with_the_latest_update()
    {
        var (handler, store) = await BoundStoreAsync();
        await using var _ = store;
        handler.Responder = r => (200, """
            {"took":1,"timed_out":false,"_shards":{"total":1,"successful":1,"skipped":0,"failed":0},
             "hits":{"total":{"value":3,"relation":"eq"},"max_score":null,"hits":[]},
             "aggregations":{"composite#sources":{"after_key":{"source":"src/b"},"buckets":[
               {"key":{"source":"src/a"},"doc_count":2,"max#last_updated":{"value":1735776000000.0,"value_as_string":"2025-01-02T00:00:00.000Z"}},
               {"key":{"source":"src/b"},"doc_count":1,"max#last_updated":{"value":1735689600000.0,"value_as_string":"2025-01-01T00:00:00.000Z"}}]}}}
            """);

        var sources = await store.Metadata.ListSourcesAsync();

        var request = Assert.Single(handler.Requests);
        Assert.Equal("POST /test-contexthub-documents/_search?typed_keys=true", request.ToString());
        JsonAssert.Equal("""
            {
              "size": 0,
              "aggregations": {
                "sources": {
                  "composite": { "size": 1000, "sources": [ { "source": { "terms": { "field": "source" } } } ] },
                  "aggregations": { "last_updated": { "max": { "field": "updatedAt" } } }
                }
              }
            }
            """, request.Json);
        Assert.Equal(
            [new SourceSummary("src/a", 2, new DateTimeOffset(2025, 1, 2, 0, 0, 0, TimeSpan.Zero)), new SourceSummary("src/b", 1, new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero))],
            sources);
    }

    [Fact]
    public async Task Tool_calls_are_filtered_and_sorted_newest_first()
    {
        var (handler, store) = await BoundStoreAsync();
        await using var _ = store;
        handler.Responder = r => (200, RecordingHandler.SearchResponse(
            """{"_index":"test-contexthub-tool-calls","_id":"c2","_score":null,"sort":[1,2],"_source":{"id":"c2","caller":"alice","tool":"search","argumentsHash":"h","durationMs":14.0,"outcome":"Error","result":"boom","timestamp":"2025-01-01T00:04:00.000Z","sessionId":"s1","sequence":2}}"""));

        var calls = await store.Metadata.GetToolCallsAsync(new ToolCallQuery
        {
            Caller = "alice",
            Tool = "search",
            SessionId = "s1",
            Outcome = ToolCallOutcome.Error,
            Since = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero),
            Until = new DateTimeOffset(2025, 1, 2, 0, 0, 0, TimeSpan.Zero),
            Limit = 2,
        });

        Assert.Equal("POST /test-contexthub-tool-calls/_search", handler.Requests[0].ToString());
        JsonAssert.Equal("""
            {
              "size": 2,
              "query": {
                "bool": {
                  "filter": [
                    { "term": { "caller": { "value": "alice" } } },
                    { "term": { "tool": { "value": "search" } } },
                    { "term": { "sessionId": { "value": "s1" } } },
                    { "term": { "outcome": { "value": "Error" } } },
                    { "range": { "timestamp": { "gte": "2025-01-01T00:00:00.000Z", "lte": "2025-01-02T00:00:00.000Z", "format": "strict_date_optional_time" } } }
                  ]
                }
              },
              "sort": [ { "timestamp": { "order": "desc" } }, { "sequence": { "order": "desc" } } ]
            }
            """, handler.Requests[0].Json);
        var call = Assert.Single(calls);
        Assert.Equal(ToolCallOutcome.Error, call.Outcome);
        Assert.Equal(TimeSpan.FromMilliseconds(14), call.Duration);
        Assert.Equal(new DateTimeOffset(2025, 1, 1, 0, 4, 0, TimeSpan.Zero), call.Timestamp);
    }

    [Fact]
    public async Task Server_errors_name_the_action_the_status_and_the_fix()
    {
        var (handler, store) = await BoundStoreAsync();
        await using var _ = store;
        handler.Responder = r => (401, RecordingHandler.Error("security_exception", "unable to authenticate user [elastic]", 401));
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => store.FullText.SearchAsync("fox", 3));
        Assert.Contains("run a full-text search (HTTP 401): security_exception: unable to authenticate user [elastic]", error.Message, StringComparison.Ordinal);
        Assert.Contains("ContextHub:Knowledge:Elasticsearch:ApiKey or Username/Password", error.Message, StringComparison.Ordinal);
    }
}
