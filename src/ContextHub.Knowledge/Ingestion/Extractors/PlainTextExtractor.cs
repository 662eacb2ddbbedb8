namespace ContextHub.Knowledge.Ingestion.Extractors;

/// <summary>Plain text: one section, paragraphs kept.</summary>
public sealed class PlainTextExtractor : IContentExtractor
{
    public IReadOnlyCollection<string> MimeTypes { get; } = [Ingestion.MimeTypes.PlainText];

    public ExtractedContent Extract(ReadOnlyMemory<byte> content, string source)
    {
        var text = TextDecoding.Decode(content, source).Replace("\r\n", "\n", StringComparison.Ordinal);
        return new ExtractedContent(null, [new TextSection(null, text)]);
    }
}
