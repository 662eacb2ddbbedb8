using ModelContextProtocol.Protocol;

namespace ContextHub.Service;

/// <summary>Shapes completion values the way the spec caps them: at most 100, with the total and whether more exist.</summary>
public static class Completions
{
    private const int Max = 100;

    public static Completion From(IReadOnlyList<string> values) => new()
    {
        Values = [.. values.Take(Max)],
        Total = values.Count,
        HasMore = values.Count > Max,
    };
}
