using System.Text;

namespace ContextHub.Knowledge.Ingestion.Extractors;

internal static class TextDecoding
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Decodes text (UTF-8, or UTF-16/32 with a byte order mark); refuses binary data.</summary>
    public static string Decode(ReadOnlyMemory<byte> content, string source)
    {
        var span = content.Span;
        string text;
        try
        {
            if (span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
            {
                text = StrictUtf8.GetString(span[3..]);
            }
            else if (span.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || span.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
            {
                using var reader = new StreamReader(new MemoryStream(content.ToArray()), Encoding.Unicode, detectEncodingFromByteOrderMarks: true);
                text = reader.ReadToEnd();
            }
            else
            {
                text = StrictUtf8.GetString(span);
            }
        }
        catch (DecoderFallbackException e)
        {
            throw new IngestionException(IngestionErrorKind.Unreadable, $"{source}: not valid UTF-8 text ({e.Message})", e);
        }

        if (text.Contains('\0', StringComparison.Ordinal))
        {
            throw new IngestionException(IngestionErrorKind.Unreadable, $"{source}: looks like binary data, not text (it contains NUL characters).");
        }

        return text;
    }
}
