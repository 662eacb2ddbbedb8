using System.Text;

namespace ContextHub.Knowledge.Ingestion;

public enum ChunkSizeUnit
{
    Characters,

    /// <summary>Approximate tokens: four characters each, close enough for English text and BERT-style tokenizers.</summary>
    ApproximateTokens,
}

/// <summary>How documents are cut into chunks.</summary>
public sealed record ChunkingOptions
{
    /// <summary>The largest chunk, in <see cref="Unit"/>s.</summary>
    public int ChunkSize { get; init; } = 1000;

    /// <summary>How much of the end of one chunk is repeated at the start of the next (whole sentences), in <see cref="Unit"/>s.</summary>
    public int Overlap { get; init; } = 150;

    public ChunkSizeUnit Unit { get; init; } = ChunkSizeUnit.Characters;

    public const int CharactersPerToken = 4;

    internal int MaxChars => Unit == ChunkSizeUnit.ApproximateTokens ? ChunkSize * CharactersPerToken : ChunkSize;

    internal int OverlapChars => Unit == ChunkSizeUnit.ApproximateTokens ? Overlap * CharactersPerToken : Overlap;

    public void Validate()
    {
        if (MaxChars < 32)
        {
            throw new ArgumentOutOfRangeException(nameof(ChunkSize), ChunkSize, "Chunks must hold at least 32 characters.");
        }

        if (Overlap < 0 || Overlap >= ChunkSize)
        {
            throw new ArgumentOutOfRangeException(nameof(Overlap), Overlap, "The overlap must be at least 0 and smaller than the chunk size.");
        }
    }
}

/// <summary>One chunk of text, before it is embedded.</summary>
public sealed record TextChunk(int Ordinal, string? Heading, string Text);

/// <summary>
/// Cuts extracted text into chunks of at most the configured size. A chunk never spans two sections (headings), breaks
/// between sentences (between words only for a sentence longer than a chunk), and starts with the last sentences of
/// the chunk before it, up to the overlap.
/// </summary>
public sealed class TextChunker
{
    private readonly int _max;
    private readonly int _overlap;

    public TextChunker(ChunkingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _max = options.MaxChars;
        _overlap = options.OverlapChars;
    }

    public IReadOnlyList<TextChunk> Chunk(ExtractedContent content)
    {
        ArgumentNullException.ThrowIfNull(content);
        var chunks = new List<TextChunk>();
        foreach (var section in content.Sections)
        {
            foreach (var text in ChunkText(section.Text))
            {
                chunks.Add(new TextChunk(chunks.Count, section.Heading, text));
            }
        }

        return chunks;
    }

    /// <summary>Chunks of one section's text.</summary>
    public IReadOnlyList<string> ChunkText(string text)
    {
        var units = Units(text);
        var result = new List<string>();
        var current = new List<Unit>();
        var length = 0;
        foreach (var unit in units)
        {
            var added = current.Count == 0 ? unit.Text.Length : unit.Text.Length + Separator(unit).Length;
            if (current.Count > 0 && length + added > _max)
            {
                result.Add(Join(current));
                current = Overlap(current, unit.Text.Length);
                length = Length(current);
                added = current.Count == 0 ? unit.Text.Length : unit.Text.Length + Separator(unit).Length;
            }

            current.Add(unit);
            length += added;
        }

        if (current.Count > 0)
        {
            result.Add(Join(current));
        }

        return result;
    }

    private List<Unit> Overlap(List<Unit> previous, int nextLength)
    {
        var kept = new List<Unit>();
        var total = 0;
        for (var i = previous.Count - 1; i > 0; i--)
        {
            var size = previous[i].Text.Length + 1;
            if (total + size > _overlap || total + size + nextLength + 2 > _max)
            {
                break;
            }

            kept.Insert(0, previous[i]);
            total += size;
        }

        if (kept.Count > 0)
        {
            kept[0] = kept[0] with { ParagraphStart = false };
        }

        return kept;
    }

    private static string Separator(Unit unit) => unit.ParagraphStart ? "\n\n" : " ";

    private static int Length(List<Unit> units)
    {
        var n = 0;
        for (var i = 0; i < units.Count; i++)
        {
            n += units[i].Text.Length + (i == 0 ? 0 : Separator(units[i]).Length);
        }

        return n;
    }

    private static string Join(List<Unit> units)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < units.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(Separator(units[i]));
            }

            sb.Append(units[i].Text);
        }

        return sb.ToString();
    }

    private readonly record struct Unit(string Text, bool ParagraphStart);

    /// <summary>Sentences (and, for sentences longer than a chunk, pieces of them), each marked when it starts a paragraph.</summary>
    private List<Unit> Units(string text)
    {
        var units = new List<Unit>();
        foreach (var paragraph in Paragraphs(text))
        {
            var first = true;
            foreach (var sentence in Sentences(paragraph))
            {
                foreach (var piece in Split(sentence))
                {
                    units.Add(new Unit(piece, first));
                    first = false;
                }
            }
        }

        return units;
    }

    private static IEnumerable<string> Paragraphs(string text)
    {
        var normalized = text.Replace("\r\n", "\n", StringComparison.Ordinal);
        foreach (var block in normalized.Split("\n\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // Lines inside a paragraph are joined; list items and code lines stay apart as their own sentences.
            yield return block;
        }
    }

    /// <summary>Splits a paragraph after '.', '!', '?' or '…' (with closing quotes or brackets) before whitespace, and at line breaks.</summary>
    public static IEnumerable<string> Sentences(string paragraph)
    {
        var start = 0;
        for (var i = 0; i < paragraph.Length; i++)
        {
            var c = paragraph[i];
            if (c == '\n')
            {
                var line = paragraph[start..i].Trim();
                if (line.Length > 0)
                {
                    yield return line;
                }

                start = i + 1;
                continue;
            }

            if (c is '.' or '!' or '?' or '…')
            {
                var end = i + 1;
                while (end < paragraph.Length && paragraph[end] is '"' or '\'' or ')' or ']' or '”' or '’' or '.' or '!' or '?')
                {
                    end++;
                }

                if (end < paragraph.Length && char.IsWhiteSpace(paragraph[end]) && !IsAbbreviation(paragraph, start, i))
                {
                    var sentence = paragraph[start..end].Trim();
                    if (sentence.Length > 0)
                    {
                        yield return sentence;
                    }

                    start = end;
                    i = end - 1;
                }
            }
        }

        var rest = paragraph[start..].Trim();
        if (rest.Length > 0)
        {
            yield return rest;
        }
    }

    private static readonly HashSet<string> Abbreviations = new(StringComparer.OrdinalIgnoreCase)
    {
        "e.g", "i.e", "etc", "vs", "mr", "mrs", "ms", "dr", "prof", "fig", "no", "al", "cf", "approx", "st",
    };

    private static bool IsAbbreviation(string text, int start, int dot)
    {
        if (text[dot] != '.')
        {
            return false;
        }

        var wordStart = dot;
        while (wordStart > start && !char.IsWhiteSpace(text[wordStart - 1]))
        {
            wordStart--;
        }

        var word = text[wordStart..dot];
        return Abbreviations.Contains(word) || (word.Length == 1 && char.IsLetter(word[0]));
    }

    /// <summary>A sentence longer than a chunk is cut between words (inside a word only when one word is longer than a chunk).</summary>
    private IEnumerable<string> Split(string sentence)
    {
        if (sentence.Length <= _max)
        {
            yield return sentence;
            yield break;
        }

        var sb = new StringBuilder();
        foreach (var word in sentence.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var w = word;
            while (w.Length > _max)
            {
                if (sb.Length > 0)
                {
                    yield return sb.ToString();
                    sb.Clear();
                }

                yield return w[.._max];
                w = w[_max..];
            }

            if (sb.Length > 0 && sb.Length + 1 + w.Length > _max)
            {
                yield return sb.ToString();
                sb.Clear();
            }

            if (sb.Length > 0)
            {
                sb.Append(' ');
            }

            sb.Append(w);
        }

        if (sb.Length > 0)
        {
            yield return sb.ToString();
        }
    }
}
