namespace ContextHub.Knowledge;

/// <summary>Small vector helpers shared by the service and backends.</summary>
public static class VectorMath
{
    /// <summary>The vector scaled to length 1 (a copy; the zero vector stays zero).</summary>
    public static ReadOnlyMemory<float> Normalized(ReadOnlyMemory<float> vector)
    {
        var span = vector.Span;
        double sum = 0;
        foreach (var x in span)
        {
            sum += (double)x * x;
        }

        var copy = span.ToArray();
        if (sum > 0 && Math.Abs(sum - 1) > 1e-6)
        {
            var scale = (float)(1 / Math.Sqrt(sum));
            for (var i = 0; i < copy.Length; i++)
            {
                copy[i] *= scale;
            }
        }

        return copy;
    }
}
