using Elastic.Clients.Elasticsearch.Analysis;
using Elastic.Clients.Elasticsearch.IndexManagement;
using Elastic.Clients.Elasticsearch.Mapping;

namespace ContextHub.Knowledge.Elasticsearch;

/// <summary>
/// The store's three indices, their composable index templates and mappings. Field names are the same in the
/// documents and chunks indices (chunks carry a copy of their document's metadata), so one filter translation serves
/// both.
/// </summary>
internal sealed class ElasticsearchSchema
{
    public const int Version = 1;

    /// <summary>The analyzer of chunk text and headings.</summary>
    public const string TextAnalyzer = "contexthub_text";

    /// <summary>The sub-field of a <c>metadata.{key}</c> keyword that holds the value parsed as a number.</summary>
    public const string NumberSubfield = "as_number";

    /// <summary>The sub-field of a <c>metadata.{key}</c> keyword that holds the value parsed as a date.</summary>
    public const string DateSubfield = "as_date";

    /// <summary>Template priority: above the built-in templates (100), so a prefix like "logs-x" cannot make data streams.</summary>
    public const long TemplatePriority = 500;

    public const string ManagedBy = "contexthub";

    private readonly ElasticsearchStoreOptions _options;

    public ElasticsearchSchema(ElasticsearchStoreOptions options)
    {
        _options = options;
        var prefix = options.NamePrefix;
        Documents = prefix + "contexthub-documents";
        Chunks = prefix + "contexthub-chunks";
        ToolCalls = prefix + "contexthub-tool-calls";
    }

    public string Documents { get; }

    public string Chunks { get; }

    public string ToolCalls { get; }

    // ------------------------------------------------------------------ field names

    public static class Fields
    {
        public const string DocumentId = "documentId";
        public const string Source = "source";
        public const string Title = "title";
        public const string MimeType = "mimeType";
        public const string Tags = "tags";
        public const string Metadata = "metadata";
        public const string CreatedAt = "createdAt";
        public const string UpdatedAt = "updatedAt";
        public const string ContentHash = "contentHash";
        public const string ChunkCount = "chunkCount";
        public const string Generation = "generation";
        public const string ChunkId = "chunkId";
        public const string Ordinal = "ordinal";
        public const string Heading = "heading";
        public const string Text = "text";
        public const string Embedding = "embedding";

        public const string Id = "id";
        public const string Caller = "caller";
        public const string Tool = "tool";
        public const string ArgumentsHash = "argumentsHash";
        public const string DurationMs = "durationMs";
        public const string Outcome = "outcome";
        public const string Result = "result";
        public const string Timestamp = "timestamp";
        public const string SessionId = "sessionId";
        public const string Sequence = "sequence";
    }

    /// <summary>Dates are stored and compared as ISO 8601 UTC with milliseconds, the precision of the date type.</summary>
    public const string DateFormat = "strict_date_optional_time";

    // ------------------------------------------------------------------ templates

    public PutIndexTemplateRequest DocumentsTemplate() => Template(Documents, "documents", DocumentMappings());

    public PutIndexTemplateRequest ChunksTemplate() => Template(Chunks, "chunks", ChunkMappings(), withAnalysis: true);

    public PutIndexTemplateRequest ToolCallsTemplate() => Template(ToolCalls, "tool calls", ToolCallMappings());

    /// <summary>
    /// The chunks index is created when the store is bound to an embedding model: the template gives settings and
    /// the text and metadata fields, this request adds the vector field with the model's dimension and records the
    /// model in the mapping's <c>_meta</c>.
    /// </summary>
    public CreateIndexRequest CreateChunksIndex(EmbeddingModelInfo model) => new(Chunks)
    {
        Mappings = new TypeMapping
        {
            Meta = new Dictionary<string, object>
            {
                ["managed_by"] = ManagedBy,
                ["schema_version"] = Version,
                ["embedding_model"] = model.ModelId,
                ["embedding_dimensions"] = model.Dimensions,
            },
            Properties = new Properties
            {
                [Fields.Embedding] = new DenseVectorProperty
                {
                    Dims = model.Dimensions,
                    ElementType = DenseVectorElementType.Float,
                    Index = true,
                    Similarity = DenseVectorSimilarity.Cosine,
                    IndexOptions = new DenseVectorIndexOptions
                    {
                        Type = VectorIndexType(_options.VectorIndexType),
                        M = _options.HnswM,
                        EfConstruction = _options.HnswEfConstruction,
                    },
                },
            },
        },
    };

    private static DenseVectorIndexOptionsType VectorIndexType(string type) => type switch
    {
        "int8_hnsw" => DenseVectorIndexOptionsType.Int8Hnsw,
        "int4_hnsw" => DenseVectorIndexOptionsType.Int4Hnsw,
        "bbq_hnsw" => DenseVectorIndexOptionsType.BbqHnsw,
        _ => DenseVectorIndexOptionsType.Hnsw,
    };

    private PutIndexTemplateRequest Template(string index, string what, TypeMapping mappings, bool withAnalysis = false)
    {
        var settings = new IndexSettings { NumberOfShards = _options.NumberOfShards };
        if (_options.NumberOfReplicas is { } replicas)
        {
            settings.NumberOfReplicas = replicas;
        }

        if (withAnalysis)
        {
            settings.Analysis = Analysis();
        }

        return new PutIndexTemplateRequest(index)
        {
            IndexPatterns = index,
            Priority = TemplatePriority,
            Version = Version,
            Meta = new Dictionary<string, object>
            {
                ["managed_by"] = ManagedBy,
                ["description"] = $"ContextHub knowledge store: {what}",
            },
            Template = new IndexTemplateMapping { Settings = settings, Mappings = mappings },
        };
    }

    /// <summary>
    /// English full text, the same steps as the embedded store's FTS5 tokenizer (porter unicode61 remove_diacritics)
    /// and stop words: standard (Unicode) tokenizer, possessive 's removed, lower case, accents folded, English stop
    /// words dropped, Porter stemming. Defined in the index so results do not depend on the cluster's defaults.
    /// </summary>
    private static IndexSettingsAnalysis Analysis() => new()
    {
        TokenFilters = new TokenFilters
        {
            ["contexthub_english_possessive"] = new StemmerTokenFilter { Language = "possessive_english" },
            ["contexthub_english_stop"] = new StopTokenFilter { Stopwords = StopWordLanguage.English },
            ["contexthub_english_stemmer"] = new StemmerTokenFilter { Language = "english" },
        },
        Analyzers = new Analyzers
        {
            [TextAnalyzer] = new CustomAnalyzer
            {
                Tokenizer = "standard",
                Filter = ["contexthub_english_possessive", "lowercase", "asciifolding", "contexthub_english_stop", "contexthub_english_stemmer"],
            },
        },
    };

    private static Properties DocumentFieldProperties() => new()
    {
        [Fields.DocumentId] = new KeywordProperty(),
        [Fields.Source] = new KeywordProperty(),
        [Fields.Title] = new KeywordProperty(),
        [Fields.MimeType] = new KeywordProperty(),
        [Fields.Tags] = new KeywordProperty(),
        [Fields.CreatedAt] = new DateProperty { Format = DateFormat },
        [Fields.UpdatedAt] = new DateProperty { Format = DateFormat },
        [Fields.ContentHash] = new KeywordProperty(),
        [Fields.Generation] = new LongNumberProperty(),
        // Free-form string metadata: each key a keyword (dots in keys stay part of the name), parsed into number and
        // date sub-fields where it can be, so range filters compare numbers and dates the way the reference
        // evaluator does.
        [Fields.Metadata] = new ObjectProperty { Dynamic = DynamicMapping.True, Subobjects = Subobjects.False },
    };

    /// <summary>The mapping of every string under <c>metadata</c>.</summary>
    private static KeyValuePair<string, DynamicTemplate> MetadataTemplate() => new("metadata_strings", new DynamicTemplate
    {
        PathMatch = [Fields.Metadata + ".*"],
        MatchMappingType = ["string"],
        Mapping = new KeywordProperty
        {
            Fields = new Properties
            {
                [NumberSubfield] = new DoubleNumberProperty { IgnoreMalformed = true },
                [DateSubfield] = new DateProperty { Format = DateFormat, IgnoreMalformed = true },
            },
        },
    });

    private static TypeMapping DocumentMappings()
    {
        var properties = DocumentFieldProperties();
        properties[Fields.ChunkCount] = new IntegerNumberProperty();
        return new TypeMapping
        {
            Dynamic = DynamicMapping.Strict,
            DynamicTemplates = [MetadataTemplate()],
            Properties = properties,
        };
    }

    private static TypeMapping ChunkMappings()
    {
        var properties = DocumentFieldProperties();
        properties[Fields.ChunkId] = new KeywordProperty();
        properties[Fields.Ordinal] = new IntegerNumberProperty();
        properties[Fields.Heading] = new TextProperty { Analyzer = TextAnalyzer };
        properties[Fields.Text] = new TextProperty { Analyzer = TextAnalyzer };
        return new TypeMapping
        {
            // Strict: a write to a chunks index made without the vector field (by hand, or auto-created) fails loudly.
            Dynamic = DynamicMapping.Strict,
            DynamicTemplates = [MetadataTemplate()],
            Properties = properties,
        };
    }

    private static TypeMapping ToolCallMappings() => new()
    {
        Dynamic = DynamicMapping.Strict,
        Properties = new Properties
        {
            [Fields.Id] = new KeywordProperty(),
            [Fields.Caller] = new KeywordProperty(),
            [Fields.Tool] = new KeywordProperty(),
            [Fields.ArgumentsHash] = new KeywordProperty(),
            [Fields.DurationMs] = new DoubleNumberProperty(),
            [Fields.Outcome] = new KeywordProperty(),
            [Fields.Result] = new TextProperty { Index = false },
            [Fields.Timestamp] = new DateProperty { Format = DateFormat },
            [Fields.SessionId] = new KeywordProperty(),
            [Fields.Sequence] = new LongNumberProperty(),
        },
    };
}
