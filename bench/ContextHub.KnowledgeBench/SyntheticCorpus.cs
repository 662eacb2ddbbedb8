using System.Globalization;
using System.Text;
using ContextHub.Knowledge;

namespace ContextHub.KnowledgeBench;

/// <summary>
/// Deterministic synthetic text and vectors. Words come from a 50,000-word vocabulary (common English words first,
/// then made-up pronounceable ones) drawn with a Zipf–Mandelbrot distribution, so full-text postings look like a real
/// corpus: a few very long lists, a long tail of short ones. Vectors are normalized 384-d points around 256 cluster
/// centres, with a per-document and a per-chunk offset, so chunks of one document sit closer together than chunks of
/// one cluster. Everything is a pure function of (seed, document, chunk): a vector can be computed again instead of
/// kept, which lets the recall check scan every vector without holding a second copy of the index in memory.
/// </summary>
internal sealed class SyntheticCorpus
{
    public const int Dimensions = 384;
    public const int VocabularySize = 50_000;
    private const int Clusters = 256;
    private const float DocumentSpread = 0.106f; // per-dimension uniform amplitude: offset norm ≈ 0.6
    private const float ChunkSpread = 0.088f;    // offset norm ≈ 0.5
    private const float QuerySpread = 0.09f;

    // The head of the distribution: ordinary English words, most frequent first (several are FTS stop words, as in
    // real text). Everything after them is generated.
    private static readonly string[] CommonWords =
        ("the of and to in a is that for it as was with be by on not he this are or his from at which but have an they " +
         "you were her she there been one all we their has would when if can no more who its out so said up what about " +
         "into than them other some time could only new these two may first then do any like my now over such our man " +
         "me even most made after also did many before must through back years where much your way well down should " +
         "because each just those people how too little state good very make world still own see men work long get here " +
         "between both life being under never day same another know while last might us great old year off come since " +
         "against go came right used take three system data service request server client store index query search " +
         "document chunk vector model file table field value result error process memory network cache version build")
        .Split(' ');

    private static readonly string[] Onsets = ["b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "cl", "dr", "gr", "pl", "st", "tr", "sh", "ch", "th"];
    private static readonly string[] Vowels = ["a", "e", "i", "o", "u", "ai", "ea", "ou"];
    private static readonly string[] Codas = ["", "", "", "n", "r", "s", "l", "m", "t", "nd", "st"];

    private readonly int _seed;
    private readonly string[] _vocabulary;
    private readonly double[] _cdf;
    private readonly float[][] _centroids;
    private readonly Dictionary<string, int> _rank;

    public SyntheticCorpus(int seed)
    {
        _seed = seed;
        _vocabulary = BuildVocabulary(seed);
        _cdf = BuildZipfCdf(_vocabulary.Length, s: 1.0, q: 2.7);
        _rank = _vocabulary.Select((w, i) => (w, i)).ToDictionary(x => x.w, x => x.i, StringComparer.Ordinal);
        var random = new Random(Mix(seed, -7, -7));
        _centroids = new float[Clusters][];
        for (var c = 0; c < Clusters; c++)
        {
            var v = new float[Dimensions];
            for (var i = 0; i < Dimensions; i++)
            {
                v[i] = random.NextSingle() - 0.5f;
            }

            _centroids[c] = VectorMath.Normalized(v).ToArray();
        }
    }

    public static string DocumentId(int document) => "doc-" + document.ToString("D6", CultureInfo.InvariantCulture);

    public static string Tag(int document) => "t" + (document % 10).ToString(CultureInfo.InvariantCulture);

    /// <summary>A word drawn from the Zipf distribution, never among the <paramref name="skipMostCommon"/> most frequent.</summary>
    public string Word(Random random, int skipMostCommon = 0)
    {
        var low = skipMostCommon <= 0 ? 0.0 : _cdf[Math.Min(skipMostCommon, _cdf.Length) - 1];
        var u = low + (random.NextDouble() * (1 - low));
        var index = Array.BinarySearch(_cdf, u);
        return _vocabulary[Math.Min(index >= 0 ? index : ~index, _vocabulary.Length - 1)];
    }

    /// <summary>
    /// The expected share of search-store chunks (about 155 words each) that contain <paramref name="word"/>, from its
    /// frequency: 1 − (1 − p)^155. Explains slow full-text queries without reading the index.
    /// </summary>
    public double ExpectedChunkShare(string word)
    {
        if (!_rank.TryGetValue(word, out var r))
        {
            return 0;
        }

        var p = _cdf[r] - (r == 0 ? 0 : _cdf[r - 1]);
        return 1 - Math.Pow(1 - p, 155);
    }

    /// <summary>About 130–180 words in sentences of 6–21 words (≈ 1000 characters, the default chunk size).</summary>
    public string ChunkText(int document, int chunk)
    {
        var random = new Random(Mix(_seed, document, chunk));
        var sb = new StringBuilder(1200);
        var target = 130 + random.Next(50);
        var written = 0;
        while (written < target)
        {
            written += AppendSentence(sb, random, 6 + random.Next(16));
        }

        return sb.ToString();
    }

    /// <summary>A title of 3–6 content words.</summary>
    public string Title(int document)
    {
        var random = new Random(Mix(_seed, document, -1));
        return Capitalize(string.Join(' ', Enumerable.Range(0, 3 + random.Next(4)).Select(_ => Word(random, 30))));
    }

    /// <summary>A Markdown document of 2–5 sections (about 300–1200 words, several chunks at the default size).</summary>
    public string MarkdownDocument(int document, out string title)
    {
        var random = new Random(Mix(_seed ^ 0x2545F491, document, 0));
        title = Capitalize(string.Join(' ', Enumerable.Range(0, 3 + random.Next(4)).Select(_ => Word(random, 30))));
        var sb = new StringBuilder(8192);
        sb.Append("# ").Append(title).Append("\n\n");
        var sections = 2 + random.Next(4);
        for (var s = 0; s < sections; s++)
        {
            sb.Append("## ").Append(Capitalize(string.Join(' ', Enumerable.Range(0, 2 + random.Next(3)).Select(_ => Word(random, 30))))).Append("\n\n");
            var paragraphs = 1 + random.Next(3);
            for (var p = 0; p < paragraphs; p++)
            {
                var sentences = 4 + random.Next(6);
                for (var i = 0; i < sentences; i++)
                {
                    AppendSentence(sb, random, 6 + random.Next(16));
                }

                sb.Append("\n\n");
            }
        }

        return sb.ToString();
    }

    /// <summary>The normalized embedding of a chunk, the same every time it is asked for.</summary>
    public float[] ChunkVector(int document, int chunk)
    {
        var centroid = _centroids[Mix(_seed, document, -2) % Clusters];
        var documentRandom = new Random(Mix(_seed, document, -3));
        var chunkRandom = new Random(Mix(_seed, document, chunk + 1_000_000));
        var v = new float[Dimensions];
        for (var i = 0; i < Dimensions; i++)
        {
            v[i] = centroid[i] + (DocumentSpread * (documentRandom.NextSingle() - 0.5f)) + (ChunkSpread * (chunkRandom.NextSingle() - 0.5f));
        }

        // Normalized the way the store normalizes, so the store keeps exactly these floats.
        return VectorMath.Normalized(v).ToArray();
    }

    /// <summary>An existing chunk's vector moved a little (a query near a known chunk).</summary>
    public static float[] Perturbed(float[] vector, Random random)
    {
        var v = new float[vector.Length];
        for (var i = 0; i < v.Length; i++)
        {
            v[i] = vector[i] + (QuerySpread * (random.NextSingle() - 0.5f));
        }

        return VectorMath.Normalized(v).ToArray();
    }

    /// <summary>A uniformly random direction (a query far from everything).</summary>
    public static float[] RandomUnit(Random random)
    {
        var v = new float[Dimensions];
        for (var i = 0; i < v.Length; i++)
        {
            v[i] = random.NextSingle() - 0.5f;
        }

        return VectorMath.Normalized(v).ToArray();
    }

    private int AppendSentence(StringBuilder sb, Random random, int words)
    {
        if (sb.Length > 0 && sb[^1] != '\n')
        {
            sb.Append(' ');
        }

        for (var w = 0; w < words; w++)
        {
            var word = Word(random);
            if (w == 0)
            {
                sb.Append(char.ToUpperInvariant(word[0])).Append(word, 1, word.Length - 1);
            }
            else
            {
                sb.Append(' ').Append(word);
            }
        }

        sb.Append('.');
        return words;
    }

    private static string Capitalize(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];

    private static string[] BuildVocabulary(int seed)
    {
        var words = new List<string>(VocabularySize);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var w in CommonWords)
        {
            if (seen.Add(w))
            {
                words.Add(w);
            }
        }

        var random = new Random(Mix(seed, -5, -5));
        var sb = new StringBuilder();
        while (words.Count < VocabularySize)
        {
            sb.Clear();
            var syllables = 2 + random.Next(3);
            for (var s = 0; s < syllables; s++)
            {
                sb.Append(Onsets[random.Next(Onsets.Length)]).Append(Vowels[random.Next(Vowels.Length)]);
                if (s == syllables - 1 || random.Next(3) == 0)
                {
                    sb.Append(Codas[random.Next(Codas.Length)]);
                }
            }

            var word = sb.ToString();
            if (seen.Add(word))
            {
                words.Add(word);
            }
        }

        return [.. words];
    }

    /// <summary>P(rank r) ∝ 1 / (r + q)^s, r = 1..n (Zipf–Mandelbrot; s = 1, q = 2.7 fits English text well).</summary>
    private static double[] BuildZipfCdf(int n, double s, double q)
    {
        var cdf = new double[n];
        double sum = 0;
        for (var r = 0; r < n; r++)
        {
            sum += 1 / Math.Pow(r + 1 + q, s);
            cdf[r] = sum;
        }

        for (var r = 0; r < n; r++)
        {
            cdf[r] /= sum;
        }

        cdf[n - 1] = 1;
        return cdf;
    }

    /// <summary>A well-mixed non-negative seed from three integers (not <see cref="HashCode"/>, which changes per process).</summary>
    public static int Mix(int a, int b, int c)
    {
        var x = ((ulong)(uint)a * 0x9E3779B97F4A7C15UL) ^ ((ulong)(uint)b * 0xC2B2AE3D27D4EB4FUL) ^ ((ulong)(uint)c * 0x165667B19E3779F9UL);
        x ^= x >> 33;
        x *= 0xFF51AFD7ED558CCDUL;
        x ^= x >> 33;
        x *= 0xC4CEB9FE1A85EC53UL;
        x ^= x >> 33;
        return (int)(x & 0x7FFF_FFFF);
    }
}
