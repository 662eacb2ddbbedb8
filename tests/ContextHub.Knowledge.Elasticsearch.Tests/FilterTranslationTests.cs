using ContextHub.Knowledge.Filters;

namespace ContextHub.Knowledge.Elasticsearch.Tests;

/// <summary>
/// Each filter node as it reaches Elasticsearch: sent through POST /{documents}/_count, the query is
/// <c>{"bool":{"filter":…}}</c> around the translation (term, terms, range, exists; bool must, should with
/// minimum_should_match, must_not), per the Elasticsearch 9 query DSL.
/// </summary>
public sealed class FilterTranslationTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static TheoryData<string, string> Nodes() => new()
    {
        { "equals-source", """{ "term": { "source": { "value": "src/a" } } }""" },
        { "equals-id", """{ "term": { "documentId": { "value": "alpha" } } }""" },
        { "equals-tag", """{ "term": { "tags": { "value": "blue" } } }""" },
        { "equals-metadata-text", """{ "term": { "metadata.lang": { "value": "de" } } }""" },
        { "equals-metadata-number", """{ "term": { "metadata.year.as_number": { "value": 2021 } } }""" },
        { "equals-metadata-date", """{ "term": { "metadata.published.as_date": { "value": "2025-01-01T00:00:00.000Z" } } }""" },
        { "equals-metadata-boolean", """{ "term": { "metadata.draft": { "value": "true" } } }""" },
        { "equals-created", """{ "term": { "createdAt": { "value": "2025-01-01T00:00:00.000Z" } } }""" },
        { "in-tags", """{ "terms": { "tags": ["red", "green"] } }""" },
        { "in-ids", """{ "terms": { "documentId": ["alpha", "gamma", "nope"] } }""" },
        { "in-mixed-metadata", """
            {
              "bool": {
                "should": [
                  { "terms": { "metadata.year": ["unknown"] } },
                  { "terms": { "metadata.year.as_number": [2020, 2021] } }
                ],
                "minimum_should_match": 1
              }
            }
            """ },
        { "range-created-open-end", """{ "range": { "createdAt": { "gte": "2025-01-02T00:00:00.000Z", "format": "strict_date_optional_time" } } }""" },
        { "range-updated-exclusive", """{ "range": { "updatedAt": { "gt": "2025-01-01T00:00:00.000Z", "lt": "2025-01-11T00:00:00.000Z", "format": "strict_date_optional_time" } } }""" },
        { "range-metadata-number", """{ "range": { "metadata.year.as_number": { "gte": 2020, "lte": 2023 } } }""" },
        { "range-metadata-date", """{ "range": { "metadata.published.as_date": { "lt": "2025-01-01T00:00:00.000Z", "format": "strict_date_optional_time" } } }""" },
        { "range-metadata-text", """{ "range": { "metadata.lang": { "gte": "a", "lt": "m" } } }""" },
        { "range-title", """{ "range": { "title": { "gt": "M" } } }""" },
        { "exists-metadata", """{ "exists": { "field": "metadata.lang" } }""" },
        { "exists-tags", """{ "exists": { "field": "tags" } }""" },
        { "not", """{ "bool": { "must_not": { "term": { "metadata.lang": { "value": "de" } } } } }""" },
        { "and", """
            {
              "bool": {
                "must": [
                  { "term": { "source": { "value": "src/a" } } },
                  { "exists": { "field": "metadata.lang" } }
                ]
              }
            }
            """ },
        { "or", """
            {
              "bool": {
                "should": [
                  { "term": { "source": { "value": "src/a" } } },
                  { "term": { "source": { "value": "src/b" } } }
                ],
                "minimum_should_match": 1
              }
            }
            """ },
        { "nested", """
            {
              "bool": {
                "should": [
                  {
                    "bool": {
                      "must": [
                        { "term": { "source": { "value": "src/a" } } },
                        { "bool": { "must_not": { "terms": { "tags": ["draft", "old"] } } } }
                      ]
                    }
                  },
                  { "range": { "createdAt": { "lte": "2025-01-01T00:00:00.000Z", "format": "strict_date_optional_time" } } }
                ],
                "minimum_should_match": 1
              }
            }
            """ },
    };

    private static MetadataFilter Filter(string name) => name switch
    {
        "equals-source" => MetadataFilter.Equal(DocumentFields.Source, "src/a"),
        "equals-id" => MetadataFilter.Equal(DocumentFields.Id, "alpha"),
        "equals-tag" => MetadataFilter.Equal(DocumentFields.Tags, "blue"),
        "equals-metadata-text" => MetadataFilter.Equal(DocumentFields.Metadata("lang"), "de"),
        "equals-metadata-number" => MetadataFilter.Equal(DocumentFields.Metadata("year"), 2021),
        "equals-metadata-date" => MetadataFilter.Equal(DocumentFields.Metadata("published"), T0),
        "equals-metadata-boolean" => MetadataFilter.Equal(DocumentFields.Metadata("draft"), true),
        "equals-created" => MetadataFilter.Equal(DocumentFields.CreatedAt, T0),
        "in-tags" => MetadataFilter.In(DocumentFields.Tags, "red", "green"),
        "in-ids" => MetadataFilter.In(DocumentFields.Id, "alpha", "gamma", "nope"),
        "in-mixed-metadata" => MetadataFilter.In(DocumentFields.Metadata("year"), "unknown", 2020, 2021),
        "range-created-open-end" => MetadataFilter.Range(DocumentFields.CreatedAt, from: T0.AddDays(1)),
        "range-updated-exclusive" => MetadataFilter.Range(DocumentFields.UpdatedAt, T0, T0.AddDays(10), fromInclusive: false, toInclusive: false),
        "range-metadata-number" => MetadataFilter.Range(DocumentFields.Metadata("year"), 2020, 2023),
        "range-metadata-date" => MetadataFilter.Range(DocumentFields.Metadata("published"), to: T0, toInclusive: false),
        "range-metadata-text" => MetadataFilter.Range(DocumentFields.Metadata("lang"), "a", "m", toInclusive: false),
        "range-title" => MetadataFilter.Range(DocumentFields.Title, from: "M", fromInclusive: false),
        "exists-metadata" => MetadataFilter.Exists(DocumentFields.Metadata("lang")),
        "exists-tags" => MetadataFilter.Exists(DocumentFields.Tags),
        "not" => MetadataFilter.Not(MetadataFilter.Equal(DocumentFields.Metadata("lang"), "de")),
        "and" => MetadataFilter.And(MetadataFilter.Equal(DocumentFields.Source, "src/a"), MetadataFilter.Exists(DocumentFields.Metadata("lang"))),
        "or" => MetadataFilter.Equal(DocumentFields.Source, "src/a") | MetadataFilter.Equal(DocumentFields.Source, "src/b"),
        "nested" => (MetadataFilter.Equal(DocumentFields.Source, "src/a") & !MetadataFilter.In(DocumentFields.Tags, "draft", "old"))
            | MetadataFilter.Range(DocumentFields.CreatedAt, to: T0),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Nodes))]
    public async Task Filter_node_becomes_the_expected_query(string name, string expected)
    {
        var handler = new RecordingHandler();
        await using var store = await handler.OpenStoreAsync();
        handler.Clear();

        await store.Metadata.CountDocumentsAsync(Filter(name));

        var request = Assert.Single(handler.Requests);
        Assert.Equal("POST /test-contexthub-documents/_count?ignore_unavailable=true", request.ToString());
        JsonAssert.Equal($$"""{ "query": { "bool": { "filter": {{expected}} } } }""", request.Json);
    }

    [Fact]
    public async Task No_filter_sends_no_query()
    {
        var handler = new RecordingHandler();
        await using var store = await handler.OpenStoreAsync();
        handler.Clear();
        await store.Metadata.CountDocumentsAsync();
        Assert.Null(handler.Requests[0].Json?["query"]);
    }

    [Fact]
    public void Every_known_field_maps_to_an_indexed_field()
    {
        Assert.Equal("documentId", ElasticsearchFilterTranslator.FieldName(DocumentFields.Id));
        Assert.Equal("mimeType", ElasticsearchFilterTranslator.FieldName(DocumentFields.MimeType));
        Assert.Equal("contentHash", ElasticsearchFilterTranslator.FieldName(DocumentFields.ContentHash));
        Assert.Equal("metadata.a.b", ElasticsearchFilterTranslator.FieldName(DocumentFields.Metadata("a.b")));
    }
}
