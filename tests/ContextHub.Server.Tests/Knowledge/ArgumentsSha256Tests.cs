using System.Security.Cryptography;
using System.Text;
using ContextHub.Server.KnowledgeBase;

namespace ContextHub.Server.Tests.Knowledge;

/// <summary>The tool-call record's managed SHA-256 gives the same digest as the platform's.</summary>
public sealed class ArgumentsSha256Tests
{
    [Theory]
    [InlineData("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    [InlineData("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")]
    public void Matches_the_FIPS_180_4_examples(string message, string expected)
    {
        var hash = new byte[32];
        ArgumentsSha256.Hash(Encoding.ASCII.GetBytes(message), hash);
        Assert.Equal(expected, Convert.ToHexStringLower(hash));
    }

    [Fact]
    public void Matches_the_platform_on_every_length_across_the_block_boundaries()
    {
        var random = new Random(20261201);
        var hash = new byte[32];
        for (var length = 0; length <= 300; length++)
        {
            var data = new byte[length];
            random.NextBytes(data);
            ArgumentsSha256.Hash(data, hash);
            Assert.True(SHA256.HashData(data).AsSpan().SequenceEqual(hash), $"length {length}");
        }
    }

    [Fact]
    public void Matches_the_platform_on_a_long_input()
    {
        var data = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"text\":\"hello, wörld\"}", 50_000)));
        var hash = new byte[32];
        ArgumentsSha256.Hash(data, hash);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(data)), Convert.ToHexStringLower(hash));
    }

    [Fact]
    public void A_destination_shorter_than_32_bytes_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ArgumentsSha256.Hash([1, 2, 3], new byte[31]));
    }
}
