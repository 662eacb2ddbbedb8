using System.Text;

namespace ContextHub.Knowledge.Search;

/// <summary>The words of a text as search sees them: runs of letters and digits, lower-cased.</summary>
public static class TextWords
{
    public static IEnumerable<string> Of(string text)
    {
        var word = new StringBuilder();
        foreach (var c in text)
        {
            if (char.IsLetterOrDigit(c))
            {
                word.Append(char.ToLowerInvariant(c));
            }
            else if (word.Length > 0)
            {
                yield return word.ToString();
                word.Clear();
            }
        }

        if (word.Length > 0)
        {
            yield return word.ToString();
        }
    }
}
