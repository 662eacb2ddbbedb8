namespace ContextHub.Knowledge.Filters;

/// <summary>Checks a filter tree before a backend translates it, so every backend refuses the same mistakes.</summary>
public static class MetadataFilterValidator
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the first problem found.</summary>
    public static void Validate(MetadataFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        switch (filter)
        {
            case EqualsFilter f:
                CheckField(f.Field);
                CheckValue(f.Field, f.Value);
                break;
            case InFilter f:
                CheckField(f.Field);
                if (f.Values is null || f.Values.Count == 0)
                {
                    throw new ArgumentException($"Filter '{f.Field} in (...)' needs at least one value.", nameof(filter));
                }

                foreach (var v in f.Values)
                {
                    CheckValue(f.Field, v);
                }

                break;
            case RangeFilter f:
                CheckField(f.Field);
                if (f.From is null && f.To is null)
                {
                    throw new ArgumentException($"Range filter on '{f.Field}' needs a lower or an upper bound.", nameof(filter));
                }

                if (f.From is { } from)
                {
                    CheckValue(f.Field, from);
                }

                if (f.To is { } to)
                {
                    CheckValue(f.Field, to);
                }

                if (f.From is { } a && f.To is { } b && a.Kind != b.Kind)
                {
                    throw new ArgumentException($"Range filter on '{f.Field}' mixes a {a.Kind} and a {b.Kind} bound.", nameof(filter));
                }

                if (f.Field == DocumentFields.Tags)
                {
                    throw new ArgumentException("Range filters do not apply to 'tags'.", nameof(filter));
                }

                break;
            case ExistsFilter f:
                CheckField(f.Field);
                break;
            case AndFilter f:
                CheckChildren(f.Filters, "and");
                break;
            case OrFilter f:
                CheckChildren(f.Filters, "or");
                break;
            case NotFilter f:
                Validate(f.Filter);
                break;
            default:
                throw new ArgumentException($"Unknown filter node {filter.GetType().Name}.", nameof(filter));
        }
    }

    private static void CheckChildren(IReadOnlyList<MetadataFilter> children, string op)
    {
        if (children is null || children.Count == 0)
        {
            throw new ArgumentException($"An '{op}' filter needs at least one operand.", nameof(children));
        }

        foreach (var child in children)
        {
            Validate(child);
        }
    }

    private static void CheckField(string field)
    {
        if (string.IsNullOrEmpty(field) || !DocumentFields.IsKnown(field))
        {
            throw new ArgumentException(
                $"Unknown filter field '{field}'. Use one of id, source, title, mimeType, tags, createdAt, updatedAt, contentHash or metadata.<key>.",
                nameof(field));
        }
    }

    private static void CheckValue(string field, FilterValue value)
    {
        if (value.Kind == FilterValueKind.Text && value.Text is null)
        {
            throw new ArgumentException($"Filter on '{field}' has an empty value.", nameof(value));
        }

        if (DocumentFields.IsDate(field) && value.Kind != FilterValueKind.Date)
        {
            throw new ArgumentException($"Field '{field}' is a date; compare it with a date value, not a {value.Kind}.", nameof(value));
        }
    }
}
