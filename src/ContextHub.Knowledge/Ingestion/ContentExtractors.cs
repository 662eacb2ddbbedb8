using ContextHub.Knowledge.Ingestion.Extractors;

namespace ContextHub.Knowledge.Ingestion;

/// <summary>The extractors by MIME type; the built-in ones read plain text, Markdown, HTML, PDF and JSON.</summary>
public sealed class ContentExtractors
{
    private readonly Dictionary<string, IContentExtractor> _byMimeType = new(StringComparer.OrdinalIgnoreCase);

    public ContentExtractors(IEnumerable<IContentExtractor> extractors)
    {
        foreach (var extractor in extractors)
        {
            foreach (var mime in extractor.MimeTypes)
            {
                _byMimeType[mime] = extractor;
            }
        }
    }

    public static ContentExtractors CreateDefault() =>
        new([new PlainTextExtractor(), new MarkdownExtractor(), new HtmlExtractor(), new PdfExtractor(), new JsonExtractor()]);

    public IReadOnlyCollection<string> SupportedMimeTypes => _byMimeType.Keys;

    /// <summary>The extractor for <paramref name="mimeType"/> (parameters such as <c>; charset=</c> ignored), or null.</summary>
    public IContentExtractor? Find(string mimeType)
    {
        var semicolon = mimeType.IndexOf(';', StringComparison.Ordinal);
        var bare = (semicolon >= 0 ? mimeType[..semicolon] : mimeType).Trim();
        return _byMimeType.GetValueOrDefault(bare);
    }
}
