using ContextHub.Knowledge.Ingestion;

namespace ContextHub.Knowledge.Tests;

public sealed class ChunkerTests
{
    private static string Sentences(int count, string topic = "topic") =>
        string.Join(' ', Enumerable.Range(0, count).Select(i => $"Sentence number {i} talks about the {topic} at some length."));

    [Fact]
    public void Chunks_respect_the_size_and_break_between_sentences()
    {
        var chunker = new TextChunker(new ChunkingOptions { ChunkSize = 200, Overlap = 0 });
        var chunks = chunker.ChunkText(Sentences(30));
        Assert.True(chunks.Count > 5);
        Assert.All(chunks, c =>
        {
            Assert.True(c.Length <= 200, c);
            Assert.StartsWith("Sentence number", c, StringComparison.Ordinal);
            Assert.EndsWith("length.", c, StringComparison.Ordinal);
        });
        Assert.Equal(Sentences(30), string.Join(' ', chunks));
    }

    [Fact]
    public void Consecutive_chunks_overlap_by_whole_sentences()
    {
        var chunker = new TextChunker(new ChunkingOptions { ChunkSize = 300, Overlap = 120 });
        var chunks = chunker.ChunkText(Sentences(30));
        for (var i = 1; i < chunks.Count; i++)
        {
            var firstSentence = chunks[i][..(chunks[i].IndexOf('.', StringComparison.Ordinal) + 1)];
            Assert.Contains(firstSentence, chunks[i - 1], StringComparison.Ordinal);
            Assert.True(chunks[i].Length <= 300);
        }
    }

    [Fact]
    public void Chunks_never_span_two_headings()
    {
        var content = new ExtractedContent("Doc", [
            new TextSection("Intro", "Short intro. Two sentences."),
            new TextSection("Intro > Details", Sentences(10, "details")),
        ]);
        var chunks = new TextChunker(new ChunkingOptions { ChunkSize = 400, Overlap = 50 }).Chunk(content);
        Assert.Equal("Intro", chunks[0].Heading);
        Assert.Equal("Short intro. Two sentences.", chunks[0].Text);
        Assert.All(chunks.Skip(1), c => Assert.Equal("Intro > Details", c.Heading));
        Assert.Equal(Enumerable.Range(0, chunks.Count), chunks.Select(c => c.Ordinal));
    }

    [Fact]
    public void Sizes_can_be_given_in_approximate_tokens()
    {
        var chunker = new TextChunker(new ChunkingOptions { ChunkSize = 50, Overlap = 10, Unit = ChunkSizeUnit.ApproximateTokens });
        Assert.All(chunker.ChunkText(Sentences(40)), c => Assert.True(c.Length <= 50 * ChunkingOptions.CharactersPerToken));
    }

    [Fact]
    public void A_sentence_longer_than_a_chunk_is_cut_between_words()
    {
        var longSentence = string.Join(' ', Enumerable.Repeat("word", 200)) + ".";
        var chunks = new TextChunker(new ChunkingOptions { ChunkSize = 100, Overlap = 0 }).ChunkText(longSentence);
        Assert.All(chunks, c => Assert.True(c.Length <= 100));
        Assert.All(chunks, c => Assert.DoesNotContain("wo rd", c, StringComparison.Ordinal));
        Assert.Equal(200, chunks.Sum(c => c.Split(' ').Length));

        var hugeWord = new string('x', 250);
        Assert.All(new TextChunker(new ChunkingOptions { ChunkSize = 100, Overlap = 0 }).ChunkText(hugeWord), c => Assert.True(c.Length <= 100));
    }

    [Fact]
    public void Abbreviations_do_not_end_sentences()
    {
        var sentences = TextChunker.Sentences("See e.g. the manual by Dr. Smith. It helps! Does it? Yes.").ToList();
        Assert.Equal(["See e.g. the manual by Dr. Smith.", "It helps!", "Does it?", "Yes."], sentences);
    }

    [Fact]
    public void Bad_options_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TextChunker(new ChunkingOptions { ChunkSize = 100, Overlap = 100 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TextChunker(new ChunkingOptions { ChunkSize = 10, Overlap = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TextChunker(new ChunkingOptions { ChunkSize = 100, Overlap = -1 }));
    }
}
