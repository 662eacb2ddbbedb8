using System.Text;
using UglyToad.PdfPig;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.DocumentLayoutAnalysis.TextExtractor;
using UglyToad.PdfPig.Exceptions;

namespace ContextHub.Knowledge.Ingestion.Extractors;

/// <summary>PDF (PdfPig): the text of every page in reading order; damaged or encrypted files are refused.</summary>
public sealed class PdfExtractor : IContentExtractor
{
    public IReadOnlyCollection<string> MimeTypes { get; } = [Ingestion.MimeTypes.Pdf];

    public ExtractedContent Extract(ReadOnlyMemory<byte> content, string source)
    {
        if (!content.Span.StartsWith("%PDF-"u8) && content.Span.IndexOf("%PDF-"u8) is < 0 or > 1024)
        {
            throw new IngestionException(IngestionErrorKind.Unreadable, $"{source}: not a PDF (no %PDF- header).");
        }

        try
        {
            using var pdf = PdfDocument.Open(content.ToArray(), new ParsingOptions { UseLenientParsing = true });
            var text = new StringBuilder();
            foreach (var page in pdf.GetPages())
            {
                var pageText = ContentOrderTextExtractor.GetText(page);
                if (!string.IsNullOrWhiteSpace(pageText))
                {
                    if (text.Length > 0)
                    {
                        text.Append("\n\n");
                    }

                    text.Append(pageText.Trim());
                }
            }

            var title = pdf.Information.Title;
            return new ExtractedContent(string.IsNullOrWhiteSpace(title) ? null : title.Trim(), [new TextSection(null, text.ToString())]);
        }
        catch (PdfDocumentEncryptedException e)
        {
            throw new IngestionException(IngestionErrorKind.Unreadable, $"{source}: the PDF is encrypted and cannot be read.", e);
        }
        catch (Exception e) when (e is PdfDocumentFormatException or InvalidOperationException or ArgumentException or IndexOutOfRangeException or NullReferenceException or InvalidCastException or KeyNotFoundException or FormatException or EndOfStreamException or OverflowException)
        {
            throw new IngestionException(IngestionErrorKind.Unreadable, $"{source}: the PDF is damaged or unreadable ({e.Message})", e);
        }
    }
}
