namespace ContextHub.Samples.Conformance;

/// <summary>Small, valid media for the conformance fixture.</summary>
internal static class ConformanceMedia
{
    /// <summary>A 1x1 red PNG.</summary>
    public static readonly byte[] RedPixelPng = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==");

    /// <summary>A tenth of a second of silence: 8 kHz, 8-bit mono WAV.</summary>
    public static readonly byte[] SilentWav = CreateSilentWav(800);

    private static byte[] CreateSilentWav(int samples)
    {
        using var stream = new MemoryStream();
        using var writer = new BinaryWriter(stream);
        writer.Write("RIFF"u8);
        writer.Write(36 + samples);
        writer.Write("WAVEfmt "u8);
        writer.Write(16);
        writer.Write((short)1);
        writer.Write((short)1);
        writer.Write(8000);
        writer.Write(8000);
        writer.Write((short)1);
        writer.Write((short)8);
        writer.Write("data"u8);
        writer.Write(samples);
        writer.Write(Enumerable.Repeat((byte)128, samples).ToArray());
        writer.Flush();
        return stream.ToArray();
    }
}
