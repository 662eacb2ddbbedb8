using System.Numerics.Tensors;
using ContextHub.Knowledge.Embedded;

namespace ContextHub.Knowledge.Tests;

/// <summary>The embedded vector index: an 8-bit scan, then exact ranking, must give what an exact scan gives.</summary>
public sealed class VectorSetTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(33)]
    [InlineData(384)]
    [InlineData(1000)]
    public void The_code_dot_product_equals_the_plain_sum_at_every_length(int length)
    {
        var random = new Random(length);
        var a = new sbyte[length];
        var b = new sbyte[length];
        for (var i = 0; i < length; i++)
        {
            a[i] = (sbyte)random.Next(-127, 128);
            b[i] = (sbyte)random.Next(-127, 128);
        }

        a[0] = b[0] = -127; // the extreme code
        var expected = 0;
        for (var i = 0; i < length; i++)
        {
            expected += a[i] * b[i];
        }

        Assert.Equal(expected, QuantizedVectors.Dot(a, b));
    }

    [Fact]
    public void Codes_keep_the_direction_and_a_zero_vector_stays_zero()
    {
        var codes = new sbyte[4];
        var scale = QuantizedVectors.Encode([0.5f, -0.25f, 0, 0.1f], codes);
        Assert.Equal([127, -64, 0, 25], codes.Select(c => (int)c));
        Assert.Equal(0.5f / 127, scale, 6);

        Assert.Equal(0, QuantizedVectors.Encode([0, 0, 0, 0], codes));
        Assert.All(codes, c => Assert.Equal(0, c));
    }

    [Theory]
    [InlineData(1_000, false)]
    [InlineData(20_000, false)]
    [InlineData(20_000, true)]
    public void Search_returns_the_exact_nearest_neighbours_with_exact_scores(int count, bool filtered)
    {
        const int Dimensions = 384;
        var random = new Random(count);
        using var set = new VectorSet(parallelThreshold: 8_000);
        var vectors = new float[count][];
        // Clustered vectors, as embeddings are: many close neighbours make a rough first pass easy to get wrong.
        var centres = Enumerable.Range(0, 32).Select(_ => RandomUnit(random, Dimensions)).ToArray();
        set.Apply([], [.. Enumerable.Range(0, count).Select(i =>
        {
            vectors[i] = Near(random, centres[i % centres.Length], 0.3f);
            return new VectorSet.Entry(i + 1, i / 10 + 1, $"c{i}", $"d{i / 10}", vectors[i]);
        })]);
        var allowed = filtered ? Enumerable.Range(1, count / 10).Where(d => d % 7 == 0).Select(d => (long)d).ToHashSet() : null;

        for (var n = 0; n < 50; n++)
        {
            var query = Near(random, centres[n % centres.Length], 0.3f);
            var exact = Enumerable.Range(0, count)
                .Where(i => allowed is null || allowed.Contains(i / 10 + 1))
                .Select(i => (Id: $"c{i}", Score: TensorPrimitives.Dot(query, vectors[i])))
                .OrderByDescending(x => x.Score).Take(10).ToList();

            var found = set.Search(query, 10, allowed);

            Assert.Equal(exact.Select(e => e.Id), found.Select(f => f.ChunkId));
            Assert.Equal(exact.Select(e => e.Score), found.Select(f => f.Score));
        }
    }

    private static float[] RandomUnit(Random random, int dimensions)
    {
        var v = new float[dimensions];
        for (var i = 0; i < dimensions; i++)
        {
            v[i] = (float)(random.NextDouble() * 2 - 1);
        }

        TensorPrimitives.Divide(v, TensorPrimitives.Norm(v), v);
        return v;
    }

    private static float[] Near(Random random, float[] centre, float spread)
    {
        var offset = RandomUnit(random, centre.Length);
        var v = new float[centre.Length];
        for (var i = 0; i < v.Length; i++)
        {
            v[i] = centre[i] + spread * offset[i];
        }

        TensorPrimitives.Divide(v, TensorPrimitives.Norm(v), v);
        return v;
    }
}
