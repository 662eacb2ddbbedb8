using System.Text;
using ContextHub.Knowledge.Search;

namespace ContextHub.Knowledge.Embedded;

/// <summary>
/// Turns a plain-words query into an FTS5 MATCH expression: each word quoted (no query syntax reaches FTS5), joined
/// with OR so any word may match and BM25 ranks documents matching more (and rarer) words higher. Common English
/// stop words are dropped unless nothing else is left.
/// </summary>
internal static class FullTextQuery
{
    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it", "no", "not", "of",
        "on", "or", "such", "that", "the", "their", "then", "there", "these", "they", "this", "to", "was", "will", "with",
        "what", "which", "who", "whom", "how", "do", "does", "did", "has", "have", "had", "been", "were", "from", "its",
        "can", "than", "we", "our", "you", "your", "i", "me", "my", "he", "she", "him", "her", "his", "them", "so",
    };

    /// <summary>The query's distinct words, lower-cased, without stop words (unless nothing else is left).</summary>
    public static IReadOnlyList<string> Terms(string query)
    {
        var words = TextWords.Of(query).Distinct(StringComparer.Ordinal).ToList();
        var kept = words.Where(w => !StopWords.Contains(w)).ToList();
        return kept.Count == 0 ? words : kept;
    }

    /// <summary>Each term quoted (so no FTS5 syntax gets through), joined with OR.</summary>
    public static string Join(IEnumerable<string> terms) => string.Join(" OR ", terms.Select(w => "\"" + w + "\""));

    public static string? ToMatchExpression(string query)
    {
        var terms = Terms(query);
        return terms.Count == 0 ? null : Join(terms);
    }
}
