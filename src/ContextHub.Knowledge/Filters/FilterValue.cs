using System.Globalization;

namespace ContextHub.Knowledge.Filters;

public enum FilterValueKind
{
    Text,
    Number,
    Date,
    Boolean,
}

/// <summary>A typed constant in a metadata filter: a string, a number, a date or a boolean.</summary>
public readonly record struct FilterValue
{
    private FilterValue(FilterValueKind kind, string? text, double number, DateTimeOffset date, bool boolean)
    {
        Kind = kind;
        Text = text;
        Number = number;
        Date = date;
        Boolean = boolean;
    }

    public FilterValueKind Kind { get; }

    public string? Text { get; }

    public double Number { get; }

    public DateTimeOffset Date { get; }

    public bool Boolean { get; }

    public static FilterValue FromString(string value) => new(FilterValueKind.Text, value ?? throw new ArgumentNullException(nameof(value)), 0, default, false);

    public static FilterValue FromNumber(double value) => new(FilterValueKind.Number, null, value, default, false);

    public static FilterValue FromDate(DateTimeOffset value) => new(FilterValueKind.Date, null, 0, value, false);

    public static FilterValue FromBoolean(bool value) => new(FilterValueKind.Boolean, null, 0, default, value);

    public static implicit operator FilterValue(string value) => FromString(value);

    public static implicit operator FilterValue(double value) => FromNumber(value);

    public static implicit operator FilterValue(long value) => FromNumber(value);

    public static implicit operator FilterValue(int value) => FromNumber(value);

    public static implicit operator FilterValue(DateTimeOffset value) => FromDate(value);

    public static implicit operator FilterValue(bool value) => FromBoolean(value);

    /// <summary>The value as a string the way it is compared with string metadata.</summary>
    public string AsString() => Kind switch
    {
        FilterValueKind.Text => Text!,
        FilterValueKind.Number => Number.ToString("R", CultureInfo.InvariantCulture),
        FilterValueKind.Date => Date.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
        _ => Boolean ? "true" : "false",
    };

    public override string ToString() => Kind == FilterValueKind.Text ? $"\"{Text}\"" : AsString();
}
