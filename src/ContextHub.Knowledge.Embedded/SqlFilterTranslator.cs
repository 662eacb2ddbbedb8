using System.Globalization;
using System.Text;
using ContextHub.Knowledge.Filters;
using Microsoft.Data.Sqlite;

namespace ContextHub.Knowledge.Embedded;

/// <summary>
/// Translates a <see cref="MetadataFilter"/> into a SQL condition over <c>documents d</c>, with parameters. Leaves are
/// wrapped in COALESCE(…, 0) so a missing value is false, never NULL, and NOT keeps the in-memory semantics of
/// <see cref="MetadataFilterEvaluator"/>.
/// </summary>
internal sealed class SqlFilterTranslator
{
    private readonly SqliteCommand _command;
    private readonly StringBuilder _sql = new();
    private int _next;

    private SqlFilterTranslator(SqliteCommand command)
    {
        _command = command;
    }

    /// <summary>The condition for <paramref name="filter"/>, its parameters added to <paramref name="command"/>; "1" for no filter.</summary>
    public static string Translate(MetadataFilter? filter, SqliteCommand command)
    {
        if (filter is null)
        {
            return "1";
        }

        MetadataFilterValidator.Validate(filter);
        var translator = new SqlFilterTranslator(command);
        translator.Visit(filter);
        return translator._sql.ToString();
    }

    private string Parameter(object value)
    {
        var name = "$f" + _next++.ToString(CultureInfo.InvariantCulture);
        _command.Parameters.AddWithValue(name, value);
        return name;
    }

    private void Visit(MetadataFilter filter)
    {
        switch (filter)
        {
            case AndFilter and:
                Join(and.Filters, " AND ");
                break;
            case OrFilter or:
                Join(or.Filters, " OR ");
                break;
            case NotFilter not:
                _sql.Append("(NOT ");
                Visit(not.Filter);
                _sql.Append(')');
                break;
            case ExistsFilter exists:
                _sql.Append(ExistsSql(exists.Field));
                break;
            case EqualsFilter eq:
                Leaf(eq.Field, value => Compare(eq.Field, value, "=", eq.Value));
                break;
            case InFilter @in:
                Leaf(@in.Field, value => "(" + string.Join(" OR ", @in.Values.Select(v => Compare(@in.Field, value, "=", v))) + ")");
                break;
            case RangeFilter range:
                Leaf(range.Field, value =>
                {
                    var parts = new List<string>(2);
                    if (range.From is { } from)
                    {
                        parts.Add(Compare(range.Field, value, range.FromInclusive ? ">=" : ">", from));
                    }

                    if (range.To is { } to)
                    {
                        parts.Add(Compare(range.Field, value, range.ToInclusive ? "<=" : "<", to));
                    }

                    return "(" + string.Join(" AND ", parts) + ")";
                });
                break;
            default:
                throw new ArgumentException($"Unknown filter node {filter.GetType().Name}.", nameof(filter));
        }
    }

    private void Join(IReadOnlyList<MetadataFilter> filters, string op)
    {
        _sql.Append('(');
        for (var i = 0; i < filters.Count; i++)
        {
            if (i > 0)
            {
                _sql.Append(op);
            }

            Visit(filters[i]);
        }

        _sql.Append(')');
    }

    /// <summary>A comparison on a field; for tags, "some tag satisfies it".</summary>
    private void Leaf(string field, Func<string, string> condition)
    {
        if (field == DocumentFields.Tags)
        {
            _sql.Append("EXISTS (SELECT 1 FROM json_each(d.tags) t WHERE ").Append(condition("t.value")).Append(')');
            return;
        }

        _sql.Append("COALESCE(").Append(condition(Column(field))).Append(", 0)");
    }

    private string Column(string field) => field switch
    {
        DocumentFields.Id => "d.id",
        DocumentFields.Source => "d.source",
        DocumentFields.Title => "d.title",
        DocumentFields.MimeType => "d.mime_type",
        DocumentFields.ContentHash => "d.content_hash",
        DocumentFields.CreatedAt => "d.created_at",
        DocumentFields.UpdatedAt => "d.updated_at",
        _ => $"json_extract(d.metadata, {Parameter(JsonPath(field))})",
    };

    private string ExistsSql(string field) => field switch
    {
        DocumentFields.Tags => "(json_array_length(d.tags) > 0)",
        _ when field.StartsWith(DocumentFields.MetadataPrefix, StringComparison.Ordinal) =>
            $"(json_type(d.metadata, {Parameter(JsonPath(field))}) IS NOT NULL)",
        _ => $"({Column(field)} IS NOT NULL)",
    };

    private static string JsonPath(string field) =>
        "$.\"" + field[DocumentFields.MetadataPrefix.Length..].Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private string Compare(string field, string value, string op, FilterValue constant)
    {
        if (DocumentFields.IsDate(field))
        {
            // Stored as Unix milliseconds; the validator made sure the constant is a date.
            return $"{value} {op} {Parameter(constant.Date.ToUnixTimeMilliseconds())}";
        }

        return constant.Kind switch
        {
            FilterValueKind.Number => $"{SqliteFunctions.Number}({value}) {op} {Parameter(constant.Number)}",
            FilterValueKind.Date => $"{SqliteFunctions.Date}({value}) {op} {Parameter(constant.Date.ToUnixTimeMilliseconds())}",
            _ => $"{value} {op} {Parameter(constant.AsString())}",
        };
    }
}

/// <summary>Functions the filters need, registered on every connection.</summary>
internal static class SqliteFunctions
{
    public const string Number = "ch_number";
    public const string Date = "ch_date";

    public static void Register(SqliteConnection connection)
    {
        connection.CreateFunction<string?, double?>(Number, ParseNumber, isDeterministic: true);
        connection.CreateFunction<string?, long?>(Date, ParseDate, isDeterministic: true);
    }

    private static double? ParseNumber(string? s) =>
        s is not null && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) ? n : null;

    private static long? ParseDate(string? s) =>
        s is not null && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d) ? d.ToUnixTimeMilliseconds() : null;
}
