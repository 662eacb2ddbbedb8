using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;

namespace ContextHub.Knowledge.Embedded.FullText;

/// <summary>Receives one token; the span is valid only during the call.</summary>
internal delegate void TokenAction(ReadOnlySpan<char> token);

/// <summary>
/// Splits text into the terms the full-text index holds, the way the store's FTS5 table does
/// (<c>porter unicode61 remove_diacritics 2</c>): runs of letters and digits, lower-cased, diacritics removed, then
/// Porter-stemmed. Tokens longer than <see cref="MaxTokenLength"/> characters (encoded blobs, hashes) are skipped.
/// </summary>
internal static class TermAnalyzer
{
    public const int MaxTokenLength = 128;

    /// <summary>Common English words left out of queries unless nothing else is left (they are still indexed).</summary>
    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it", "no", "not", "of",
        "on", "or", "such", "that", "the", "their", "then", "there", "these", "they", "this", "to", "was", "will", "with",
        "what", "which", "who", "whom", "how", "do", "does", "did", "has", "have", "had", "been", "were", "from", "its",
        "can", "than", "we", "our", "you", "your", "i", "me", "my", "he", "she", "him", "her", "his", "them", "so",
    };

    /// <summary>Calls <paramref name="action"/> with each folded (lower-case, no diacritics), unstemmed token.</summary>
    public static void Tokenize(ReadOnlySpan<char> text, TokenAction action)
    {
        var tokens = new Tokens(text, stackalloc char[MaxTokenLength]);
        while (tokens.Next(out var token))
        {
            action(token);
        }
    }

    /// <summary>Calls <paramref name="action"/> with each term (folded and stemmed) of <paramref name="text"/>.</summary>
    public static void Terms(ReadOnlySpan<char> text, TokenAction action)
    {
        var tokens = new Tokens(text, stackalloc char[MaxTokenLength]);
        while (tokens.Next(out var token))
        {
            // The token lives in the tokenizer's buffer until the next call, so the stemmer may work on it in place.
            action(token[..PorterStemmer.Stem(token)]);
        }
    }

    /// <summary>
    /// The folded tokens of a text, one at a time, without allocating: <c>while (tokens.Next(out var t))</c>. Each token
    /// is written to the buffer and stays there until the next call (the caller may change it, e.g. stem it in place).
    /// </summary>
    public ref struct Tokens
    {
        private readonly ReadOnlySpan<char> _text;
        private readonly Span<char> _buffer;
        private readonly char[] _table;
        private int _position;

        /// <param name="buffer">At least <see cref="MaxTokenLength"/> characters; each token is written there.</param>
        public Tokens(ReadOnlySpan<char> text, Span<char> buffer)
        {
            _text = text;
            _buffer = buffer;
            _table = Characters.Value;
            _position = 0;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public bool Next(out Span<char> token)
        {
            var text = _text;
            var table = _table;
            while (_position < text.Length)
            {
                var length = 0;
                var tooLong = false;
                while (_position < text.Length)
                {
                    var folded = table[text[_position++]];
                    if (folded == Separator)
                    {
                        break;
                    }

                    if (folded == Removed)
                    {
                        continue; // a combining diacritic: dropped, and it does not end the token
                    }

                    if (length < MaxTokenLength)
                    {
                        _buffer[length++] = folded;
                    }
                    else
                    {
                        tooLong = true;
                    }
                }

                if (length > 0 && !tooLong)
                {
                    token = _buffer[..length];
                    return true;
                }
            }

            token = default;
            return false;
        }
    }

    /// <summary>
    /// The distinct folded words of a query, without stop words (unless nothing else is left), in their first order.
    /// These are what the FTS5 snippet expression quotes.
    /// </summary>
    public static IReadOnlyList<string> QueryWords(string query)
    {
        var words = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        Tokenize(query, token =>
        {
            var word = token.ToString();
            if (seen.Add(word))
            {
                words.Add(word);
            }
        });
        var kept = words.Where(w => !StopWords.Contains(w)).ToList();
        return kept.Count == 0 ? words : kept;
    }

    /// <summary>The distinct stemmed terms of <paramref name="words"/> (from <see cref="QueryWords"/>).</summary>
    public static IReadOnlyList<string> QueryTerms(IEnumerable<string> words) =>
        words.Select(PorterStemmer.Stem).Distinct(StringComparer.Ordinal).ToList();

    private const char Separator = '\0';
    private const char Removed = '\uFFFF';

    /// <summary>What each UTF-16 code unit becomes in a token: itself folded, <see cref="Separator"/> or <see cref="Removed"/>.</summary>
    private static readonly Lazy<char[]> Characters = new(BuildCharacterTable);

    /// <summary>
    /// Asks SQLite's own <c>unicode61 remove_diacritics 2</c> tokenizer what it makes of every character of the Basic
    /// Multilingual Plane (each one between two letters: "a·b"), so this analyzer folds case and diacritics and splits
    /// tokens exactly as the FTS5 table does, without a Unicode library (the build runs with invariant globalization).
    /// Characters outside the plane (surrogates) separate tokens. Takes about 0.2 s, once per process.
    /// </summary>
    private static char[] BuildCharacterTable()
    {
        var table = new char[char.MaxValue + 1];
        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        using (var create = connection.CreateCommand())
        {
            create.CommandText = """
                CREATE VIRTUAL TABLE probe USING fts5 (w, tokenize = 'unicode61 remove_diacritics 2');
                CREATE VIRTUAL TABLE probe_terms USING fts5vocab (probe, 'instance');
                """;
            create.ExecuteNonQuery();
        }

        using (var transaction = connection.BeginTransaction())
        using (var insert = connection.CreateCommand())
        {
            insert.CommandText = "INSERT INTO probe (rowid, w) VALUES ($c, $w);";
            var code = insert.Parameters.Add("$c", SqliteType.Integer);
            var text = insert.Parameters.Add("$w", SqliteType.Text);
            for (var c = 1; c <= char.MaxValue; c++)
            {
                if (char.IsSurrogate((char)c))
                {
                    continue;
                }

                code.Value = c;
                text.Value = string.Create(3, (char)c, static (span, ch) => (span[0], span[1], span[2]) = ('a', ch, 'b'));
                insert.ExecuteNonQuery();
            }

            transaction.Commit();
        }

        var terms = new string?[char.MaxValue + 1];
        var counts = new int[char.MaxValue + 1];
        using (var read = connection.CreateCommand())
        {
            read.CommandText = "SELECT doc, term FROM probe_terms;";
            using var reader = read.ExecuteReader();
            while (reader.Read())
            {
                var c = reader.GetInt32(0);
                counts[c]++;
                terms[c] = reader.GetString(1);
            }
        }

        for (var c = 1; c <= char.MaxValue; c++)
        {
            table[c] = counts[c] == 1 && terms[c] is { } term
                ? term.Length switch
                {
                    2 => Removed,                      // "ab": the character was dropped inside the token
                    3 => term[1],                      // "aXb": the character, folded
                    _ => Separator,                    // folded to more than one code unit: not expected; split
                }
                : Separator;                           // "a", "b": the character ends a token
        }

        return table;
    }
}
