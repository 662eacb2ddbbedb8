using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ContextHub.Knowledge.Embedded;

/// <summary>
/// Symmetric 8-bit scalar quantization of one vector with its own scale: component i becomes round(x[i] / scale) with
/// scale = max |x| / 127, so a dot product of two codes times both scales approximates the float dot product. No library
/// offers an int8 dot product (TensorPrimitives' generic one would overflow in sbyte), hence the small kernel here.
/// </summary>
internal static class QuantizedVectors
{
    /// <summary>Writes the codes of <paramref name="vector"/> to <paramref name="codes"/>; returns the scale (0 for a zero vector).</summary>
    public static float Encode(ReadOnlySpan<float> vector, Span<sbyte> codes)
    {
        var max = System.Numerics.Tensors.TensorPrimitives.MaxMagnitude(vector);
        max = MathF.Abs(max);
        if (!(max > 0) || !float.IsFinite(max))
        {
            codes.Clear();
            return 0;
        }

        var inverse = 127f / max;
        for (var i = 0; i < vector.Length; i++)
        {
            codes[i] = (sbyte)Math.Clamp(MathF.Round(vector[i] * inverse), -127f, 127f);
        }

        return max / 127f;
    }

    /// <summary>The dot product of two code vectors of the same length (exact in 32-bit integers up to 133k dimensions).</summary>
    public static int Dot(ReadOnlySpan<sbyte> a, ReadOnlySpan<sbyte> b)
    {
        var i = 0;
        var sum = 0;
        if (Avx2.IsSupported && a.Length >= 32)
        {
            var acc = Vector256<int>.Zero;
            for (; i <= a.Length - 32; i += 32)
            {
                var (aLow, aHigh) = Vector256.Widen(Vector256.Create(a.Slice(i, 32)));
                var (bLow, bHigh) = Vector256.Widen(Vector256.Create(b.Slice(i, 32)));
                acc += Avx2.MultiplyAddAdjacent(aLow, bLow) + Avx2.MultiplyAddAdjacent(aHigh, bHigh);
            }

            sum = Vector256.Sum(acc);
        }
        else if (Vector128.IsHardwareAccelerated && a.Length >= 16)
        {
            var acc = Vector128<int>.Zero;
            for (; i <= a.Length - 16; i += 16)
            {
                // A product of two codes fits in 16 bits (127 × 127); their sums need 32.
                var (aLow, aHigh) = Vector128.Widen(Vector128.Create(a.Slice(i, 16)));
                var (bLow, bHigh) = Vector128.Widen(Vector128.Create(b.Slice(i, 16)));
                var (p0, p1) = Vector128.Widen(aLow * bLow);
                var (p2, p3) = Vector128.Widen(aHigh * bHigh);
                acc += p0 + p1 + p2 + p3;
            }

            sum = Vector128.Sum(acc);
        }

        for (; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }
}
