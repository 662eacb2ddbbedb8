namespace ContextHub.Knowledge.Embedded.FullText;

/// <summary>
/// M. F. Porter's suffix-stripping algorithm (1980) with the two later changes of his reference version (BLI → BLE,
/// LOGI → LOG): the stemmer SQLite's FTS5 <c>porter</c> tokenizer applies, so the in-memory ranking and the FTS5
/// snippets agree on which words match. Like FTS5 it works on the token's UTF-8 bytes (a byte outside a–z counts as a
/// consonant) and leaves tokens shorter than 3 or longer than 64 bytes as they are.
/// </summary>
internal static class PorterStemmer
{
    public const int MaxBytes = 64;

    /// <summary>Stems <paramref name="token"/> in place and returns the stem's length in characters.</summary>
    public static int Stem(Span<char> token)
    {
        Span<byte> bytes = stackalloc byte[MaxBytes];
        if (System.Text.Ascii.IsValid(token))
        {
            if (token.Length < 3 || token.Length > MaxBytes)
            {
                return token.Length;
            }

            System.Text.Ascii.FromUtf16(token, bytes, out _);
            var length = StemBytes(bytes[..token.Length]);
            System.Text.Ascii.ToUtf16(bytes[..length], token, out _);
            return length;
        }

        if (System.Text.Encoding.UTF8.GetByteCount(token) is var count && (count < 3 || count > MaxBytes))
        {
            return token.Length;
        }

        var written = System.Text.Encoding.UTF8.GetBytes(token, bytes);
        var stemmed = StemBytes(bytes[..written]);
        if (System.Text.Unicode.Utf8.ToUtf16(bytes[..stemmed], token, out _, out var chars, replaceInvalidSequences: false) != System.Buffers.OperationStatus.Done)
        {
            return token.Length; // a cut inside a multi-byte character: keep the token whole
        }

        return chars;
    }

    public static string Stem(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        if (word.Length > MaxBytes)
        {
            return word;
        }

        Span<char> buffer = stackalloc char[word.Length];
        word.AsSpan().CopyTo(buffer);
        var length = Stem(buffer);
        return buffer[..length].SequenceEqual(word) ? word : new string(buffer[..length]);
    }

    private static int StemBytes(Span<byte> word)
    {
        if (word.Length < 3)
        {
            return word.Length;
        }

        var w = new Word(word);
        w.Step1A();
        w.Step1B();
        w.Step1C();
        w.Step2();
        w.Step3();
        w.Step4();
        w.Step5();
        return w.Length;
    }

    /// <summary>The word being stemmed: a buffer and the length of its current form.</summary>
    private ref struct Word
    {
        private readonly Span<byte> _b;

        public Word(Span<byte> buffer)
        {
            _b = buffer;
            Length = buffer.Length;
        }

        public int Length { get; private set; }

        private readonly bool IsConsonant(int i) => _b[i] switch
        {
            (byte)'a' or (byte)'e' or (byte)'i' or (byte)'o' or (byte)'u' => false,
            (byte)'y' => i == 0 || !IsConsonant(i - 1),
            _ => true,
        };

        /// <summary>m, the number of vowel-consonant sequences in the first <paramref name="end"/> characters.</summary>
        private readonly int Measure(int end)
        {
            var i = 0;
            while (i < end && IsConsonant(i))
            {
                i++;
            }

            var m = 0;
            while (i < end)
            {
                while (i < end && !IsConsonant(i))
                {
                    i++;
                }

                if (i >= end)
                {
                    break;
                }

                while (i < end && IsConsonant(i))
                {
                    i++;
                }

                m++;
            }

            return m;
        }

        private readonly bool HasVowel(int end)
        {
            for (var i = 0; i < end; i++)
            {
                if (!IsConsonant(i))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>*d: the first <paramref name="end"/> characters end in a double consonant.</summary>
        private readonly bool EndsDoubleConsonant(int end) => end >= 2 && _b[end - 1] == _b[end - 2] && IsConsonant(end - 1);

        /// <summary>*o: the first <paramref name="end"/> characters end consonant-vowel-consonant, the last not w, x or y.</summary>
        private readonly bool EndsCvc(int end) =>
            end >= 3 && IsConsonant(end - 3) && !IsConsonant(end - 2) && IsConsonant(end - 1) && _b[end - 1] is not ((byte)'w' or (byte)'x' or (byte)'y');

        private readonly bool EndsWith(ReadOnlySpan<byte> suffix) =>
            Length >= suffix.Length && _b[(Length - suffix.Length)..Length].SequenceEqual(suffix);

        private void ReplaceEnd(int suffixLength, ReadOnlySpan<byte> replacement)
        {
            var stem = Length - suffixLength;
            replacement.CopyTo(_b[stem..]);
            Length = stem + replacement.Length;
        }

        /// <summary>
        /// When the word ends in <paramref name="suffix"/>: replaces it if the stem before it has a measure above
        /// <paramref name="minMeasure"/>, and returns true either way (the first matching suffix of a step decides).
        /// </summary>
        private bool Rule(ReadOnlySpan<byte> suffix, ReadOnlySpan<byte> replacement, int minMeasure)
        {
            if (!EndsWith(suffix))
            {
                return false;
            }

            if (Measure(Length - suffix.Length) > minMeasure)
            {
                ReplaceEnd(suffix.Length, replacement);
            }

            return true;
        }

        public void Step1A()
        {
            if (EndsWith("sses"u8))
            {
                Length -= 2;
            }
            else if (EndsWith("ies"u8))
            {
                Length -= 2;
            }
            else if (!EndsWith("ss"u8) && EndsWith("s"u8))
            {
                Length--;
            }
        }

        public void Step1B()
        {
            if (EndsWith("eed"u8))
            {
                if (Measure(Length - 3) > 0)
                {
                    Length--;
                }

                return;
            }

            int cut;
            if (EndsWith("ed"u8) && HasVowel(Length - 2))
            {
                cut = 2;
            }
            else if (EndsWith("ing"u8) && HasVowel(Length - 3))
            {
                cut = 3;
            }
            else
            {
                return;
            }

            Length -= cut;
            if (EndsWith("at"u8) || EndsWith("bl"u8) || EndsWith("iz"u8))
            {
                _b[Length++] = (byte)'e';
            }
            else if (EndsDoubleConsonant(Length) && _b[Length - 1] is not ((byte)'l' or (byte)'s' or (byte)'z'))
            {
                Length--;
            }
            else if (Measure(Length) == 1 && EndsCvc(Length))
            {
                _b[Length++] = (byte)'e';
            }
        }

        public readonly void Step1C()
        {
            if (_b[Length - 1] == (byte)'y' && HasVowel(Length - 1))
            {
                _b[Length - 1] = (byte)'i';
            }
        }

        public void Step2()
        {
            if (Length < 3)
            {
                return;
            }

            _ = (char)_b[Length - 2] switch
            {
                'a' => Rule("ational"u8, "ate"u8, 0) || Rule("tional"u8, "tion"u8, 0),
                'c' => Rule("enci"u8, "ence"u8, 0) || Rule("anci"u8, "ance"u8, 0),
                'e' => Rule("izer"u8, "ize"u8, 0),
                'g' => Rule("logi"u8, "log"u8, 0),
                'l' => Rule("bli"u8, "ble"u8, 0) || Rule("alli"u8, "al"u8, 0) || Rule("entli"u8, "ent"u8, 0) || Rule("eli"u8, "e"u8, 0) || Rule("ousli"u8, "ous"u8, 0),
                'o' => Rule("ization"u8, "ize"u8, 0) || Rule("ation"u8, "ate"u8, 0) || Rule("ator"u8, "ate"u8, 0),
                's' => Rule("alism"u8, "al"u8, 0) || Rule("iveness"u8, "ive"u8, 0) || Rule("fulness"u8, "ful"u8, 0) || Rule("ousness"u8, "ous"u8, 0),
                't' => Rule("aliti"u8, "al"u8, 0) || Rule("iviti"u8, "ive"u8, 0) || Rule("biliti"u8, "ble"u8, 0),
                _ => false,
            };
        }

        public void Step3()
        {
            _ = (char)_b[Length - 1] switch
            {
                'e' => Rule("icate"u8, "ic"u8, 0) || Rule("ative"u8, ""u8, 0) || Rule("alize"u8, "al"u8, 0),
                'i' => Rule("iciti"u8, "ic"u8, 0),
                'l' => Rule("ical"u8, "ic"u8, 0) || Rule("ful"u8, ""u8, 0),
                's' => Rule("ness"u8, ""u8, 0),
                _ => false,
            };
        }

        public void Step4()
        {
            if (Length < 3)
            {
                return;
            }

            _ = (char)_b[Length - 2] switch
            {
                'a' => Rule("al"u8, ""u8, 1),
                'c' => Rule("ance"u8, ""u8, 1) || Rule("ence"u8, ""u8, 1),
                'e' => Rule("er"u8, ""u8, 1),
                'i' => Rule("ic"u8, ""u8, 1),
                'l' => Rule("able"u8, ""u8, 1) || Rule("ible"u8, ""u8, 1),
                'n' => Rule("ant"u8, ""u8, 1) || Rule("ement"u8, ""u8, 1) || Rule("ment"u8, ""u8, 1) || Rule("ent"u8, ""u8, 1),
                'o' => RuleIon() || Rule("ou"u8, ""u8, 1),
                's' => Rule("ism"u8, ""u8, 1),
                't' => Rule("ate"u8, ""u8, 1) || Rule("iti"u8, ""u8, 1),
                'u' => Rule("ous"u8, ""u8, 1),
                'v' => Rule("ive"u8, ""u8, 1),
                'z' => Rule("ize"u8, ""u8, 1),
                _ => false,
            };
        }

        /// <summary>(m &gt; 1 and (*S or *T)) ION →.</summary>
        private bool RuleIon()
        {
            if (!EndsWith("ion"u8))
            {
                return false;
            }

            var stem = Length - 3;
            if (stem > 0 && _b[stem - 1] is (byte)'s' or (byte)'t' && Measure(stem) > 1)
            {
                Length = stem;
            }

            return true;
        }

        public void Step5()
        {
            if (_b[Length - 1] == (byte)'e')
            {
                var m = Measure(Length - 1);
                if (m > 1 || (m == 1 && !EndsCvc(Length - 1)))
                {
                    Length--;
                }
            }

            if (Length > 1 && _b[Length - 1] == (byte)'l' && _b[Length - 2] == (byte)'l' && Measure(Length) > 1)
            {
                Length--;
            }
        }
    }
}
