namespace ContextHub.Knowledge.Elasticsearch.Tests;

/// <summary>
/// What the store sends when it opens and when it is bound to an embedding model: composable index templates
/// (PUT /_index_template/{name}), index creation (PUT /{index}) and the mapping read (GET /{index}/_mapping), as in
/// the Elasticsearch 9 REST API.
/// </summary>
public sealed class SchemaRequestTests
{
    private const string MetadataDynamicTemplate = """
        {
          "metadata_strings": {
            "path_match": "metadata.*",
            "match_mapping_type": "string",
            "mapping": {
              "type": "keyword",
              "fields": {
                "as_number": { "type": "double", "ignore_malformed": true },
                "as_date": { "type": "date", "format": "strict_date_optional_time", "ignore_malformed": true }
              }
            }
          }
        }
        """;

    private const string DocumentFieldMappings = """
        "documentId": { "type": "keyword" },
        "source": { "type": "keyword" },
        "title": { "type": "keyword" },
        "mimeType": { "type": "keyword" },
        "tags": { "type": "keyword" },
        "createdAt": { "type": "date", "format": "strict_date_optional_time" },
        "updatedAt": { "type": "date", "format": "strict_date_optional_time" },
        "contentHash": { "type": "keyword" },
        "generation": { "type": "long" },
        "metadata": { "type": "object", "dynamic": true, "subobjects": false }
        """;

    [Fact]
    public async Task Opening_puts_three_index_templates_creates_two_indices_and_reads_the_chunks_mapping()
    {
        var handler = new RecordingHandler();
        await using var store = await handler.OpenStoreAsync();

        Assert.Equal(
            [
                "PUT /_index_template/test-contexthub-documents",
                "PUT /_index_template/test-contexthub-chunks",
                "PUT /_index_template/test-contexthub-tool-calls",
                "PUT /test-contexthub-documents",
                "PUT /test-contexthub-tool-calls",
                "GET /test-contexthub-chunks/_mapping",
            ],
            handler.Requests.Select(r => r.ToString()));
        Assert.Equal(["test-contexthub-documents", "test-contexthub-chunks", "test-contexthub-tool-calls"], store.IndexNames);
        Assert.Null(store.EmbeddingModel);
    }

    [Fact]
    public async Task Documents_template()
    {
        var handler = new RecordingHandler();
        await using var store = await handler.OpenStoreAsync();
        JsonAssert.Equal($$"""
            {
              "index_patterns": "test-contexthub-documents",
              "priority": 500,
              "version": 1,
              "_meta": { "managed_by": "contexthub", "description": "ContextHub knowledge store: documents" },
              "template": {
                "settings": { "number_of_shards": 1 },
                "mappings": {
                  "dynamic": "strict",
                  "dynamic_templates": [ {{MetadataDynamicTemplate}} ],
                  "properties": {
                    {{DocumentFieldMappings}},
                    "chunkCount": { "type": "integer" }
                  }
                }
              }
            }
            """, handler.Requests[0].Json);
    }

    [Fact]
    public async Task Chunks_template_defines_the_english_analyzer_and_text_fields()
    {
        var handler = new RecordingHandler();
        await using var store = await handler.OpenStoreAsync(o => o.NumberOfReplicas = 0);
        JsonAssert.Equal($$"""
            {
              "index_patterns": "test-contexthub-chunks",
              "priority": 500,
              "version": 1,
              "_meta": { "managed_by": "contexthub", "description": "ContextHub knowledge store: chunks" },
              "template": {
                "settings": {
                  "number_of_shards": 1,
                  "number_of_replicas": 0,
                  "analysis": {
                    "filter": {
                      "contexthub_english_possessive": { "type": "stemmer", "language": "possessive_english" },
                      "contexthub_english_stop": { "type": "stop", "stopwords": "_english_" },
                      "contexthub_english_stemmer": { "type": "stemmer", "language": "english" }
                    },
                    "analyzer": {
                      "contexthub_text": {
                        "type": "custom",
                        "tokenizer": "standard",
                        "filter": ["contexthub_english_possessive", "lowercase", "asciifolding", "contexthub_english_stop", "contexthub_english_stemmer"]
                      }
                    }
                  }
                },
                "mappings": {
                  "dynamic": "strict",
                  "dynamic_templates": [ {{MetadataDynamicTemplate}} ],
                  "properties": {
                    {{DocumentFieldMappings}},
                    "chunkId": { "type": "keyword" },
                    "ordinal": { "type": "integer" },
                    "heading": { "type": "text", "analyzer": "contexthub_text" },
                    "text": { "type": "text", "analyzer": "contexthub_text" }
                  }
                }
              }
            }
            """, handler.Requests[1].Json);
    }

    [Fact]
    public async Task Tool_calls_template()
    {
        var handler = new RecordingHandler();
        await using var store = await handler.OpenStoreAsync(o => o.NumberOfShards = 2);
        JsonAssert.Equal("""
            {
              "index_patterns": "test-contexthub-tool-calls",
              "priority": 500,
              "version": 1,
              "_meta": { "managed_by": "contexthub", "description": "ContextHub knowledge store: tool calls" },
              "template": {
                "settings": { "number_of_shards": 2 },
                "mappings": {
                  "dynamic": "strict",
                  "properties": {
                    "id": { "type": "keyword" },
                    "caller": { "type": "keyword" },
                    "tool": { "type": "keyword" },
                    "argumentsHash": { "type": "keyword" },
                    "durationMs": { "type": "double" },
                    "outcome": { "type": "keyword" },
                    "result": { "type": "text", "index": false },
                    "timestamp": { "type": "date", "format": "strict_date_optional_time" },
                    "sessionId": { "type": "keyword" },
                    "sequence": { "type": "long" }
                  }
                }
              }
            }
            """, handler.Requests[2].Json);
    }

    [Fact]
    public async Task Indices_are_created_empty_so_the_templates_apply_and_an_existing_index_is_fine()
    {
        var handler = new RecordingHandler
        {
            Responder = r => r.ToString() == "PUT /test-contexthub-documents"
                ? (400, RecordingHandler.Error("resource_already_exists_exception", "index [test-contexthub-documents] already exists", 400))
                : null,
        };
        await using var store = await handler.OpenStoreAsync();
        JsonAssert.Equal("{}", handler.Requests[3].Json);
        JsonAssert.Equal("{}", handler.Requests[4].Json);
    }

    [Fact]
    public async Task Without_a_prefix_names_start_with_contexthub_and_a_prefix_gets_a_dash()
    {
        var handler = new RecordingHandler();
        await using (var store = await handler.OpenStoreAsync(o => o.IndexPrefix = ""))
        {
            Assert.Equal(["contexthub-documents", "contexthub-chunks", "contexthub-tool-calls"], store.IndexNames);
        }

        await using (var store = await handler.OpenStoreAsync(o => o.IndexPrefix = "team_a."))
        {
            Assert.Equal("team_a.contexthub-documents", store.IndexNames[0]);
        }
    }

    [Fact]
    public async Task Binding_creates_the_chunks_index_with_a_dense_vector_of_the_model_dimension()
    {
        var handler = new RecordingHandler();
        await using var store = await handler.OpenStoreAsync();
        handler.Clear();
        await store.BindEmbeddingModelAsync(new EmbeddingModelInfo("sentence-transformers/all-MiniLM-L6-v2", 384));

        var request = Assert.Single(handler.Requests);
        Assert.Equal("PUT /test-contexthub-chunks", request.ToString());
        JsonAssert.Equal("""
            {
              "mappings": {
                "_meta": {
                  "managed_by": "contexthub",
                  "schema_version": 1,
                  "embedding_model": "sentence-transformers/all-MiniLM-L6-v2",
                  "embedding_dimensions": 384
                },
                "properties": {
                  "embedding": {
                    "type": "dense_vector",
                    "dims": 384,
                    "element_type": "float",
                    "index": true,
                    "similarity": "cosine",
                    "index_options": { "type": "hnsw", "m": 16, "ef_construction": 100 }
                  }
                }
              }
            }
            """, request.Json);
        Assert.Equal(new EmbeddingModelInfo("sentence-transformers/all-MiniLM-L6-v2", 384), store.EmbeddingModel);

        // Bound: binding the same model again sends nothing.
        await store.BindEmbeddingModelAsync(new EmbeddingModelInfo("sentence-transformers/all-MiniLM-L6-v2", 384));
        Assert.Single(handler.Requests);
    }

    [Fact]
    public async Task Quantized_hnsw_options_are_passed_through()
    {
        var handler = new RecordingHandler();
        await using var store = await handler.OpenStoreAsync(o =>
        {
            o.VectorIndexType = "int8_hnsw";
            o.HnswM = 32;
            o.HnswEfConstruction = 200;
        });
        await store.BindEmbeddingModelAsync(new EmbeddingModelInfo("m", 8));
        JsonAssert.Equal("""{ "type": "int8_hnsw", "m": 32, "ef_construction": 200 }""",
            handler.Requests[^1].Json!["mappings"]!["properties"]!["embedding"]!["index_options"]);
    }

    [Fact]
    public async Task Opening_reads_the_bound_model_from_the_chunks_mapping_meta()
    {
        var handler = new RecordingHandler { ChunksMapping = (200, RecordingHandler.MappingWithModel("test-contexthub-chunks", "model-a", 4)) };
        await using var store = await handler.OpenStoreAsync();
        Assert.Equal(new EmbeddingModelInfo("model-a", 4), store.EmbeddingModel);

        var mismatch = await Assert.ThrowsAsync<EmbeddingModelMismatchException>(() => store.BindEmbeddingModelAsync(new EmbeddingModelInfo("model-b", 8)));
        Assert.Contains("'model-a' (4 dimensions)", mismatch.Message, StringComparison.Ordinal);
        Assert.Contains("'model-b' (8 dimensions)", mismatch.Message, StringComparison.Ordinal);
        Assert.Contains("test-contexthub-chunks", mismatch.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Binding_when_another_process_created_the_index_first_takes_or_refuses_its_model()
    {
        var handler = new RecordingHandler();
        await using var store = await handler.OpenStoreAsync();
        handler.ChunksMapping = (200, RecordingHandler.MappingWithModel("test-contexthub-chunks", "model-a", 4));
        handler.Responder = r => r.ToString() == "PUT /test-contexthub-chunks"
            ? (400, RecordingHandler.Error("resource_already_exists_exception", "index [test-contexthub-chunks] already exists", 400))
            : null;

        await Assert.ThrowsAsync<EmbeddingModelMismatchException>(() => store.BindEmbeddingModelAsync(new EmbeddingModelInfo("model-b", 4)));
        await store.BindEmbeddingModelAsync(new EmbeddingModelInfo("model-a", 4));
        Assert.Equal(new EmbeddingModelInfo("model-a", 4), store.EmbeddingModel);
    }

    [Fact]
    public async Task A_chunks_index_not_made_by_contexthub_is_refused_with_the_fix()
    {
        var handler = new RecordingHandler { ChunksMapping = (200, """{"test-contexthub-chunks":{"mappings":{"properties":{"text":{"type":"text"}}}}}""") };
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => handler.OpenStoreAsync());
        Assert.Contains("IndexPrefix", error.Message, StringComparison.Ordinal);
    }
}
