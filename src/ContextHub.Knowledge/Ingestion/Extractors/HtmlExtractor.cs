using System.Text;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace ContextHub.Knowledge.Ingestion.Extractors;

/// <summary>HTML: visible text, one section per heading (h1–h6); scripts, styles and templates left out.</summary>
public sealed class HtmlExtractor : IContentExtractor
{
    private static readonly HashSet<string> Skipped = new(StringComparer.OrdinalIgnoreCase) { "script", "style", "noscript", "template", "svg", "head", "iframe", "object" };

    private static readonly HashSet<string> Blocks = new(StringComparer.OrdinalIgnoreCase)
    {
        "p", "div", "section", "article", "main", "header", "footer", "aside", "nav", "li", "ul", "ol", "dl", "dt", "dd",
        "table", "tr", "pre", "blockquote", "figure", "figcaption", "form", "fieldset", "address", "details", "summary", "br", "hr",
    };

    public IReadOnlyCollection<string> MimeTypes { get; } = [Ingestion.MimeTypes.Html, "application/xhtml+xml"];

    public ExtractedContent Extract(ReadOnlyMemory<byte> content, string source)
    {
        var html = TextDecoding.Decode(content, source);
        var parser = new HtmlParser();
        using var document = parser.ParseDocument(html);
        var state = new State();
        var root = (INode?)document.Body ?? document.DocumentElement;
        if (root is not null)
        {
            Walk(root, state);
        }

        state.Flush();
        var title = document.Title?.Trim();
        if (string.IsNullOrEmpty(title))
        {
            title = document.QuerySelector("h1")?.TextContent.Trim();
        }

        return new ExtractedContent(string.IsNullOrEmpty(title) ? null : Collapse(title), state.Sections);
    }

    private static void Walk(INode node, State state)
    {
        foreach (var child in node.ChildNodes)
        {
            if (child is IText text)
            {
                state.AppendText(text.Data);
                continue;
            }

            if (child is not IElement element || Skipped.Contains(element.LocalName))
            {
                continue;
            }

            var name = element.LocalName;
            if (name.Length == 2 && name[0] == 'h' && name[1] is >= '1' and <= '6')
            {
                state.Flush();
                state.PushHeading(name[1] - '0', Collapse(element.TextContent));
                continue;
            }

            var block = Blocks.Contains(name);
            if (block)
            {
                state.Break();
            }

            Walk(element, state);
            if (block)
            {
                state.Break();
            }
        }
    }

    private static string Collapse(string s) => string.Join(' ', s.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    private sealed class State
    {
        private readonly List<(int Level, string Text)> _headings = [];
        private readonly StringBuilder _current = new();

        public List<TextSection> Sections { get; } = [];

        public void AppendText(string text)
        {
            var collapsed = Collapse(text);
            var last = _current.Length > 0 ? _current[^1] : '\n';
            if (collapsed.Length == 0)
            {
                if (text.Length > 0 && !char.IsWhiteSpace(last))
                {
                    _current.Append(' ');
                }

                return;
            }

            if (char.IsWhiteSpace(text[0]) && !char.IsWhiteSpace(last))
            {
                _current.Append(' ');
            }

            _current.Append(collapsed);
            if (char.IsWhiteSpace(text[^1]))
            {
                _current.Append(' ');
            }
        }

        public void Break()
        {
            if (_current.Length > 0 && !_current.ToString().EndsWith("\n\n", StringComparison.Ordinal))
            {
                while (_current.Length > 0 && _current[^1] == ' ')
                {
                    _current.Length--;
                }

                _current.Append("\n\n");
            }
        }

        public void PushHeading(int level, string text)
        {
            _headings.RemoveAll(h => h.Level >= level);
            _headings.Add((level, text));
        }

        public void Flush()
        {
            var text = _current.ToString().Trim();
            if (text.Length > 0)
            {
                Sections.Add(new TextSection(_headings.Count == 0 ? null : string.Join(" > ", _headings.Select(h => h.Text)), text));
            }

            _current.Clear();
        }
    }
}
