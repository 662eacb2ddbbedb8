using ContextHub.Knowledge.Filters;
using Elastic.Clients.Elasticsearch;
using Elastic.Clients.Elasticsearch.QueryDsl;
using F = ContextHub.Knowledge.Elasticsearch.ElasticsearchSchema.Fields;

namespace ContextHub.Knowledge.Elasticsearch;

/// <summary>
/// Translates a <see cref="MetadataFilter"/> into an Elasticsearch query for filter context: leaves become
/// <c>term</c>, <c>terms</c>, <c>range</c> and <c>exists</c>; and, or and not become <c>bool</c> <c>must</c>,
/// <c>should</c> (at least one) and <c>must_not</c>. The fields are the same in the documents and chunks indices.
/// </summary>
/// <remarks>
/// Matching the reference evaluator: a missing field makes a leaf false (so <c>must_not</c> matches documents
/// without it); a multi-valued field (tags) matches when one of its values does; a <c>metadata.{key}</c> value
/// compared with a number or a date is compared as one, through the key's <c>as_number</c> and <c>as_date</c>
/// sub-fields (values that do not parse are left out of them, so such comparisons are false). The built-in string
/// fields (id, source, title, mimeType, contentHash, tags) are compared as strings: a number or date constant is
/// compared in its string form there.
/// </remarks>
internal static class ElasticsearchFilterTranslator
{
    /// <summary>The query for <paramref name="filter"/> after validating it; null for no filter.</summary>
    public static Query? Translate(MetadataFilter? filter)
    {
        if (filter is null)
        {
            return null;
        }

        MetadataFilterValidator.Validate(filter);
        return Visit(filter);
    }

    private static Query Visit(MetadataFilter filter) => filter switch
    {
        AndFilter and => new BoolQuery { Must = [.. and.Filters.Select(Visit)] },
        OrFilter or => new BoolQuery { Should = [.. or.Filters.Select(Visit)], MinimumShouldMatch = 1 },
        NotFilter not => new BoolQuery { MustNot = [Visit(not.Filter)] },
        ExistsFilter exists => new ExistsQuery { Field = FieldName(exists.Field) },
        EqualsFilter eq => Equal(eq.Field, eq.Value),
        InFilter @in => In(@in.Field, @in.Values),
        RangeFilter range => Range(range),
        _ => throw new ArgumentException($"Unknown filter node {filter.GetType().Name}.", nameof(filter)),
    };

    /// <summary>The indexed field a filter field names.</summary>
    internal static string FieldName(string field) => field switch
    {
        DocumentFields.Id => F.DocumentId,
        DocumentFields.Source => F.Source,
        DocumentFields.Title => F.Title,
        DocumentFields.MimeType => F.MimeType,
        DocumentFields.Tags => F.Tags,
        DocumentFields.CreatedAt => F.CreatedAt,
        DocumentFields.UpdatedAt => F.UpdatedAt,
        DocumentFields.ContentHash => F.ContentHash,
        _ => F.Metadata + "." + field[DocumentFields.MetadataPrefix.Length..],
    };

    private static bool IsMetadata(string field) => field.StartsWith(DocumentFields.MetadataPrefix, StringComparison.Ordinal);

    /// <summary>The field a comparison with <paramref name="value"/> runs on, and the value as Elasticsearch takes it.</summary>
    private static (string Field, FieldValue Value) Target(string field, FilterValue value)
    {
        var name = FieldName(field);
        if (DocumentFields.IsDate(field))
        {
            // The validator made sure the constant is a date.
            return (name, ElasticsearchDates.Format(value.Date));
        }

        if (IsMetadata(field))
        {
            switch (value.Kind)
            {
                case FilterValueKind.Number:
                    return (name + "." + ElasticsearchSchema.NumberSubfield, value.Number);
                case FilterValueKind.Date:
                    return (name + "." + ElasticsearchSchema.DateSubfield, ElasticsearchDates.Format(value.Date));
            }
        }

        return (name, value.AsString());
    }

    private static Query Equal(string field, FilterValue value)
    {
        var (name, v) = Target(field, value);
        return new TermQuery { Field = name, Value = v };
    }

    private static Query In(string field, IReadOnlyList<FilterValue> values)
    {
        // One terms query per target field (string values on the keyword, numbers and dates on their sub-fields).
        var groups = values.Select(v => Target(field, v)).GroupBy(t => t.Field, StringComparer.Ordinal).ToList();
        var queries = groups
            .Select(g => (Query)new TermsQuery { Field = g.Key, Terms = new TermsQueryField([.. g.Select(t => t.Value).Distinct()]) })
            .ToList();
        return queries.Count == 1 ? queries[0] : new BoolQuery { Should = queries, MinimumShouldMatch = 1 };
    }

    private static Query Range(RangeFilter range)
    {
        var kind = (range.From ?? range.To)!.Value;
        var (name, _) = Target(range.Field, kind);
        if (DocumentFields.IsDate(range.Field) || (IsMetadata(range.Field) && kind.Kind == FilterValueKind.Date))
        {
            static DateMath? Date(FilterValue? v) => v is { } x ? (DateMath)ElasticsearchDates.Format(x.Date) : null;
            return new DateRangeQuery(name)
            {
                Gte = range.FromInclusive ? Date(range.From) : null,
                Gt = range.FromInclusive ? null : Date(range.From),
                Lte = range.ToInclusive ? Date(range.To) : null,
                Lt = range.ToInclusive ? null : Date(range.To),
                Format = ElasticsearchSchema.DateFormat,
            };
        }

        if (IsMetadata(range.Field) && kind.Kind == FilterValueKind.Number)
        {
            double? Number(FilterValue? v) => v?.Number;
            return new NumberRangeQuery(name)
            {
                Gte = range.FromInclusive ? Number(range.From) : null,
                Gt = range.FromInclusive ? null : Number(range.From),
                Lte = range.ToInclusive ? Number(range.To) : null,
                Lt = range.ToInclusive ? null : Number(range.To),
            };
        }

        static string? Text(FilterValue? v) => v?.AsString();
        return new TermRangeQuery(name)
        {
            Gte = range.FromInclusive ? Text(range.From) : null,
            Gt = range.FromInclusive ? null : Text(range.From),
            Lte = range.ToInclusive ? Text(range.To) : null,
            Lt = range.ToInclusive ? null : Text(range.To),
        };
    }
}
