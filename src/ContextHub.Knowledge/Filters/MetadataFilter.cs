namespace ContextHub.Knowledge.Filters;

/// <summary>
/// A filter over document metadata, as a small typed tree (never a query string). Fields are the names in
/// <see cref="DocumentFields"/> or <c>metadata.{key}</c>. Every backend translates the tree into its own query.
/// </summary>
public abstract record MetadataFilter
{
    private protected MetadataFilter()
    {
    }

    public static MetadataFilter Equal(string field, FilterValue value) => new EqualsFilter(field, value);

    public static MetadataFilter In(string field, params FilterValue[] values) => new InFilter(field, values);

    public static MetadataFilter Range(string field, FilterValue? from = null, FilterValue? to = null, bool fromInclusive = true, bool toInclusive = true) =>
        new RangeFilter(field, from, to, fromInclusive, toInclusive);

    public static MetadataFilter Exists(string field) => new ExistsFilter(field);

    public static MetadataFilter And(params MetadataFilter[] filters) => new AndFilter(filters);

    public static MetadataFilter Or(params MetadataFilter[] filters) => new OrFilter(filters);

    public static MetadataFilter Not(MetadataFilter filter) => new NotFilter(filter);

    public static MetadataFilter operator &(MetadataFilter left, MetadataFilter right) => new AndFilter([left, right]);

    public static MetadataFilter operator |(MetadataFilter left, MetadataFilter right) => new OrFilter([left, right]);

    public static MetadataFilter operator !(MetadataFilter filter) => new NotFilter(filter);

    public static MetadataFilter BitwiseAnd(MetadataFilter left, MetadataFilter right) => left & right;

    public static MetadataFilter BitwiseOr(MetadataFilter left, MetadataFilter right) => left | right;

    public static MetadataFilter LogicalNot(MetadataFilter filter) => !filter;
}

/// <summary>The field equals the value; for a multi-valued field (tags) one of its values does.</summary>
public sealed record EqualsFilter(string Field, FilterValue Value) : MetadataFilter
{
    public override string ToString() => $"{Field} = {Value}";
}

/// <summary>The field equals one of the values.</summary>
public sealed record InFilter(string Field, IReadOnlyList<FilterValue> Values) : MetadataFilter
{
    public bool Equals(InFilter? other) =>
        other is not null && Field == other.Field && Values.SequenceEqual(other.Values);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Field);
        foreach (var v in Values)
        {
            hash.Add(v);
        }

        return hash.ToHashCode();
    }

    public override string ToString() => $"{Field} in ({string.Join(", ", Values)})";
}

/// <summary>The field lies between the bounds; a missing bound is open.</summary>
public sealed record RangeFilter(string Field, FilterValue? From, FilterValue? To, bool FromInclusive = true, bool ToInclusive = true) : MetadataFilter
{
    public override string ToString() =>
        $"{Field} in {(FromInclusive ? "[" : "(")}{From?.ToString() ?? "-∞"}, {To?.ToString() ?? "∞"}{(ToInclusive ? "]" : ")")}";
}

/// <summary>The field is present (and, for tags, not empty).</summary>
public sealed record ExistsFilter(string Field) : MetadataFilter
{
    public override string ToString() => $"exists({Field})";
}

public sealed record AndFilter(IReadOnlyList<MetadataFilter> Filters) : MetadataFilter
{
    public bool Equals(AndFilter? other) => other is not null && Filters.SequenceEqual(other.Filters);

    public override int GetHashCode() => Filters.Aggregate(17, (h, f) => HashCode.Combine(h, f));

    public override string ToString() => $"({string.Join(" and ", Filters)})";
}

public sealed record OrFilter(IReadOnlyList<MetadataFilter> Filters) : MetadataFilter
{
    public bool Equals(OrFilter? other) => other is not null && Filters.SequenceEqual(other.Filters);

    public override int GetHashCode() => Filters.Aggregate(19, (h, f) => HashCode.Combine(h, f));

    public override string ToString() => $"({string.Join(" or ", Filters)})";
}

public sealed record NotFilter(MetadataFilter Filter) : MetadataFilter
{
    public override string ToString() => $"not {Filter}";
}
