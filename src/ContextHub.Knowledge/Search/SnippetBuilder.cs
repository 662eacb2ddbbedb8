using System.Text;
using ContextHub.Knowledge.Indexes;

namespace ContextHub.Knowledge.Search;

/// <summary>Builds a short excerpt around the query's terms, marking them, for hits that have no full-text snippet.</summary>
public static class SnippetBuilder
{
    public static IReadOnlyList<string> Terms(string query) =>
        query.Split(Separators, StringSplitOptions.RemoveEmptyEntries)
            .Where(t => t.Length > 2)
            .Select(t => t.ToLowerInvariant())
            .Distinct()
            .ToList();

    private static readonly char[] Separators = [.. " \t\r\n.,;:!?\"'()[]{}<>/\\|-_=+*&^%$#@~`".ToCharArray()];

    public static string Build(string text, IReadOnlyList<string> terms, int maxLength = 240)
    {
        var flat = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        var first = -1;
        foreach (var term in terms)
        {
            var i = IndexOfWordStart(flat, term, 0);
            if (i >= 0 && (first < 0 || i < first))
            {
                first = i;
            }
        }

        var start = first <= maxLength / 3 ? 0 : first - (maxLength / 3);
        if (start > 0)
        {
            var space = flat.IndexOf(' ', start);
            start = space >= 0 && space < first ? space + 1 : start;
        }

        var end = Math.Min(flat.Length, start + maxLength);
        if (end < flat.Length)
        {
            var space = flat.LastIndexOf(' ', end);
            end = space > start ? space : end;
        }

        var window = flat[start..end];
        var sb = new StringBuilder();
        if (start > 0)
        {
            sb.Append(FullTextMarkers.Ellipsis);
        }

        sb.Append(Highlight(window, terms));
        if (end < flat.Length)
        {
            sb.Append(FullTextMarkers.Ellipsis);
        }

        return sb.ToString();
    }

    private static string Highlight(string window, IReadOnlyList<string> terms)
    {
        if (terms.Count == 0)
        {
            return window;
        }

        var sb = new StringBuilder(window.Length + 16);
        var i = 0;
        while (i < window.Length)
        {
            if (char.IsLetterOrDigit(window[i]) && (i == 0 || !char.IsLetterOrDigit(window[i - 1])))
            {
                var wordEnd = i;
                while (wordEnd < window.Length && char.IsLetterOrDigit(window[wordEnd]))
                {
                    wordEnd++;
                }

                var word = window[i..wordEnd];
                if (terms.Any(t => word.StartsWith(t, StringComparison.OrdinalIgnoreCase)))
                {
                    sb.Append(FullTextMarkers.Open).Append(word).Append(FullTextMarkers.Close);
                }
                else
                {
                    sb.Append(word);
                }

                i = wordEnd;
            }
            else
            {
                sb.Append(window[i]);
                i++;
            }
        }

        return sb.ToString();
    }

    private static int IndexOfWordStart(string text, string term, int from)
    {
        var i = from;
        while ((i = text.IndexOf(term, i, StringComparison.OrdinalIgnoreCase)) >= 0)
        {
            if (i == 0 || !char.IsLetterOrDigit(text[i - 1]))
            {
                return i;
            }

            i++;
        }

        return -1;
    }
}
