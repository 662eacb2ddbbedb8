using System.Text;
using Markdig;
using Markdig.Extensions.Yaml;
using Markdig.Renderers;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace ContextHub.Knowledge.Ingestion.Extractors;

/// <summary>Markdown (CommonMark with front matter): one section per heading, markup removed.</summary>
public sealed class MarkdownExtractor : IContentExtractor
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UseYamlFrontMatter().UsePipeTables().Build();

    public IReadOnlyCollection<string> MimeTypes { get; } = [Ingestion.MimeTypes.Markdown, "text/x-markdown"];

    public ExtractedContent Extract(ReadOnlyMemory<byte> content, string source)
    {
        var markdown = TextDecoding.Decode(content, source);
        var document = Markdown.Parse(markdown, Pipeline);
        string? title = null;
        var headings = new List<(int Level, string Text)>();
        var sections = new List<TextSection>();
        var current = new StringBuilder();

        void Flush()
        {
            if (current.Length > 0)
            {
                sections.Add(new TextSection(headings.Count == 0 ? null : string.Join(" > ", headings.Select(h => h.Text)), current.ToString().Trim()));
                current.Clear();
            }
        }

        foreach (var block in document)
        {
            switch (block)
            {
                case YamlFrontMatterBlock yaml:
                    title ??= FrontMatterTitle(yaml.Lines.ToString());
                    break;
                case HeadingBlock heading:
                    Flush();
                    var text = InlineText(heading.Inline).Trim();
                    if (heading.Level == 1 && title is null)
                    {
                        title = text;
                    }

                    headings.RemoveAll(h => h.Level >= heading.Level);
                    headings.Add((heading.Level, text));
                    break;
                case ThematicBreakBlock:
                    break;
                default:
                    var plain = PlainText(block).Trim();
                    if (plain.Length > 0)
                    {
                        if (current.Length > 0)
                        {
                            current.Append("\n\n");
                        }

                        current.Append(plain);
                    }

                    break;
            }
        }

        Flush();
        return new ExtractedContent(title, sections);
    }

    private static string PlainText(Block block)
    {
        using var writer = new StringWriter();
        var renderer = new HtmlRenderer(writer) { EnableHtmlForBlock = false, EnableHtmlForInline = false, EnableHtmlEscape = false };
        Pipeline.Setup(renderer);
        renderer.Render(block);
        writer.Flush();
        return writer.ToString();
    }

    private static string InlineText(ContainerInline? inline)
    {
        if (inline is null)
        {
            return "";
        }

        var sb = new StringBuilder();
        foreach (var child in inline.Descendants())
        {
            switch (child)
            {
                case LiteralInline literal:
                    sb.Append(literal.Content.ToString());
                    break;
                case CodeInline code:
                    sb.Append(code.Content);
                    break;
                case LineBreakInline:
                    sb.Append(' ');
                    break;
            }
        }

        return sb.ToString();
    }

    private static string? FrontMatterTitle(string yaml)
    {
        foreach (var line in yaml.Split('\n'))
        {
            var trimmed = line.Trim();
            if (trimmed.StartsWith("title:", StringComparison.OrdinalIgnoreCase))
            {
                var value = trimmed["title:".Length..].Trim().Trim('"', '\'');
                return value.Length > 0 ? value : null;
            }
        }

        return null;
    }
}
