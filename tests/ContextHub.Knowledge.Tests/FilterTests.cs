using ContextHub.Knowledge.Filters;

namespace ContextHub.Knowledge.Tests;

public sealed class FilterTests
{
    private static readonly Document Doc = new()
    {
        Id = "d1",
        Source = "docs/a.md",
        Title = "Alpha",
        MimeType = "text/markdown",
        Tags = ["red", "blue"],
        Metadata = new Dictionary<string, string> { ["year"] = "2021", ["lang"] = "en", ["when"] = "2024-05-01T00:00:00Z" },
        CreatedAt = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero),
        UpdatedAt = new DateTimeOffset(2024, 2, 1, 0, 0, 0, TimeSpan.Zero),
        ContentHash = "abc",
    };

    [Fact]
    public void Filters_are_typed_records_with_value_equality()
    {
        var a = MetadataFilter.And(MetadataFilter.Equal("source", "x"), MetadataFilter.In("tags", "a", "b"));
        var b = MetadataFilter.And(MetadataFilter.Equal("source", "x"), MetadataFilter.In("tags", "a", "b"));
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, MetadataFilter.And(MetadataFilter.Equal("source", "y"), MetadataFilter.In("tags", "a", "b")));
        Assert.Equal(new NotFilter(new ExistsFilter("tags")), !MetadataFilter.Exists("tags"));
        Assert.IsType<OrFilter>(MetadataFilter.Exists("tags") | MetadataFilter.Exists("title"));
        Assert.Equal(FilterValueKind.Number, ((EqualsFilter)MetadataFilter.Equal("metadata.n", 3)).Value.Kind);
        Assert.Equal("(source = \"x\" and tags in (\"a\", \"b\"))", a.ToString());
    }

    [Theory]
    [InlineData(true, "eq-source")]
    [InlineData(true, "eq-tag")]
    [InlineData(false, "eq-tag-missing")]
    [InlineData(true, "in-title")]
    [InlineData(true, "range-created")]
    [InlineData(false, "range-created-exclusive")]
    [InlineData(true, "range-number")]
    [InlineData(false, "range-number-out")]
    [InlineData(true, "range-date-metadata")]
    [InlineData(true, "exists")]
    [InlineData(false, "exists-missing")]
    [InlineData(true, "not-missing")]
    [InlineData(true, "and")]
    [InlineData(false, "and-one-false")]
    [InlineData(true, "or")]
    public void The_evaluator_gives_the_reference_semantics(bool expected, string name)
    {
        var created = Doc.CreatedAt;
        MetadataFilter filter = name switch
        {
            "eq-source" => MetadataFilter.Equal(DocumentFields.Source, "docs/a.md"),
            "eq-tag" => MetadataFilter.Equal(DocumentFields.Tags, "blue"),
            "eq-tag-missing" => MetadataFilter.Equal(DocumentFields.Tags, "green"),
            "in-title" => MetadataFilter.In(DocumentFields.Title, "Beta", "Alpha"),
            "range-created" => MetadataFilter.Range(DocumentFields.CreatedAt, created, created.AddDays(1)),
            "range-created-exclusive" => MetadataFilter.Range(DocumentFields.CreatedAt, created, null, fromInclusive: false),
            "range-number" => MetadataFilter.Range(DocumentFields.Metadata("year"), 2020, 2021),
            "range-number-out" => MetadataFilter.Range(DocumentFields.Metadata("year"), 2022),
            "range-date-metadata" => MetadataFilter.Range(DocumentFields.Metadata("when"), new DateTimeOffset(2024, 4, 1, 0, 0, 0, TimeSpan.Zero)),
            "exists" => MetadataFilter.Exists(DocumentFields.Metadata("lang")),
            "exists-missing" => MetadataFilter.Exists(DocumentFields.Metadata("author")),
            "not-missing" => MetadataFilter.Not(MetadataFilter.Equal(DocumentFields.Metadata("author"), "bob")),
            "and" => MetadataFilter.Equal("id", "d1") & MetadataFilter.Equal("mimeType", "text/markdown"),
            "and-one-false" => MetadataFilter.Equal("id", "d1") & MetadataFilter.Equal("contentHash", "zzz"),
            "or" => MetadataFilter.Equal("id", "nope") | MetadataFilter.Equal("contentHash", "abc"),
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };
        MetadataFilterValidator.Validate(filter);
        Assert.Equal(expected, MetadataFilterEvaluator.Matches(filter, Doc));
    }

    [Fact]
    public void The_validator_refuses_bad_trees_with_clear_messages()
    {
        Assert.Contains("Unknown filter field 'colour'", Assert.Throws<ArgumentException>(() => MetadataFilterValidator.Validate(MetadataFilter.Equal("colour", "red"))).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => MetadataFilterValidator.Validate(MetadataFilter.In("tags")));
        Assert.Throws<ArgumentException>(() => MetadataFilterValidator.Validate(MetadataFilter.Range("title")));
        Assert.Throws<ArgumentException>(() => MetadataFilterValidator.Validate(MetadataFilter.Range("createdAt", 5)));
        Assert.Throws<ArgumentException>(() => MetadataFilterValidator.Validate(MetadataFilter.Range("tags", "a")));
        Assert.Throws<ArgumentException>(() => MetadataFilterValidator.Validate(MetadataFilter.Range("metadata.x", 1, "z")));
        Assert.Throws<ArgumentException>(() => MetadataFilterValidator.Validate(MetadataFilter.Or()));
        Assert.Throws<ArgumentException>(() => MetadataFilterValidator.Validate(MetadataFilter.Not(MetadataFilter.Exists("metadata."))));
    }
}
