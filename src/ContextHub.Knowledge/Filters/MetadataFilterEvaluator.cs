using System.Globalization;

namespace ContextHub.Knowledge.Filters;

/// <summary>
/// Evaluates a filter against a document in memory: the reference semantics that backend translations must match.
/// </summary>
public static class MetadataFilterEvaluator
{
    public static bool Matches(MetadataFilter filter, Document document)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(document);
        return filter switch
        {
            EqualsFilter f => Values(document, f.Field).Any(v => Compare(v, f.Value) == 0),
            InFilter f => Values(document, f.Field).Any(v => f.Values.Any(x => Compare(v, x) == 0)),
            RangeFilter f => Values(document, f.Field).Any(v => InRange(v, f)),
            ExistsFilter f => Values(document, f.Field).Any(),
            AndFilter f => f.Filters.All(x => Matches(x, document)),
            OrFilter f => f.Filters.Any(x => Matches(x, document)),
            NotFilter f => !Matches(f.Filter, document),
            _ => throw new ArgumentException($"Unknown filter node {filter.GetType().Name}.", nameof(filter)),
        };
    }

    private static bool InRange(object value, RangeFilter f)
    {
        if (f.From is { } from)
        {
            var c = Compare(value, from);
            if (c is null || c < 0 || (c == 0 && !f.FromInclusive))
            {
                return false;
            }
        }

        if (f.To is { } to)
        {
            var c = Compare(value, to);
            if (c is null || c > 0 || (c == 0 && !f.ToInclusive))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Compares a document value with a filter value; null when they cannot be compared.</summary>
    private static int? Compare(object docValue, FilterValue value)
    {
        switch (docValue)
        {
            case DateTimeOffset d:
                return value.Kind == FilterValueKind.Date ? d.ToUnixTimeMilliseconds().CompareTo(value.Date.ToUnixTimeMilliseconds()) : null;
            case string s:
                switch (value.Kind)
                {
                    case FilterValueKind.Number:
                        return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) ? n.CompareTo(value.Number) : null;
                    case FilterValueKind.Date:
                        return DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d)
                            ? d.ToUnixTimeMilliseconds().CompareTo(value.Date.ToUnixTimeMilliseconds())
                            : null;
                    default:
                        return string.CompareOrdinal(s, value.AsString()) switch { < 0 => -1, > 0 => 1, _ => 0 };
                }

            default:
                return null;
        }
    }

    private static IEnumerable<object> Values(Document document, string field)
    {
        switch (field)
        {
            case DocumentFields.Id: return [document.Id];
            case DocumentFields.Source: return [document.Source];
            case DocumentFields.Title: return [document.Title];
            case DocumentFields.MimeType: return [document.MimeType];
            case DocumentFields.ContentHash: return [document.ContentHash];
            case DocumentFields.CreatedAt: return [document.CreatedAt];
            case DocumentFields.UpdatedAt: return [document.UpdatedAt];
            case DocumentFields.Tags: return document.Tags;
            default:
                if (field.StartsWith(DocumentFields.MetadataPrefix, StringComparison.Ordinal) &&
                    document.Metadata.TryGetValue(field[DocumentFields.MetadataPrefix.Length..], out var v))
                {
                    return [v];
                }

                return [];
        }
    }
}
