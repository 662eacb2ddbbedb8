using System.Text;
using ContextHub.Knowledge.Ingestion;
using ContextHub.Knowledge.Ingestion.Extractors;
using ContextHub.Tests;

namespace ContextHub.Knowledge.Tests;

public sealed class ExtractorTests
{
    private static ReadOnlyMemory<byte> Utf8(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public void Plain_text_keeps_paragraphs()
    {
        var content = new PlainTextExtractor().Extract(Utf8("First paragraph.\r\n\r\nSecond one."), "a.txt");
        Assert.Null(content.Title);
        Assert.Equal("First paragraph.\n\nSecond one.", Assert.Single(content.Sections).Text);
    }

    [Fact]
    public void Plain_text_refuses_binary_and_invalid_utf8()
    {
        var binary = Assert.Throws<IngestionException>(() => new PlainTextExtractor().Extract(new byte[] { 0x41, 0, 0x42 }, "a.txt"));
        Assert.Equal(IngestionErrorKind.Unreadable, binary.Kind);
        Assert.Contains("binary", binary.Message, StringComparison.Ordinal);
        var invalid = Assert.Throws<IngestionException>(() => new PlainTextExtractor().Extract(new byte[] { 0x41, 0xC3, 0x28 }, "b.txt"));
        Assert.Contains("UTF-8", invalid.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Markdown_sections_follow_headings_without_markup()
    {
        const string md = """
            ---
            title: Front Title
            ---
            Preamble text.

            # Guide

            Some **bold** and a [link](http://example.com).

            ## Install

            - one
            - two

            ```
            code line
            ```

            # Other
            Last words.
            """;
        var content = new MarkdownExtractor().Extract(Utf8(md), "g.md");
        Assert.Equal("Front Title", content.Title);
        Assert.Equal([null, "Guide", "Guide > Install", "Other"], content.Sections.Select(s => s.Heading));
        Assert.Equal("Preamble text.", content.Sections[0].Text);
        Assert.Equal("Some bold and a link.", content.Sections[1].Text);
        Assert.Contains("one", content.Sections[2].Text, StringComparison.Ordinal);
        Assert.Contains("code line", content.Sections[2].Text, StringComparison.Ordinal);
        Assert.DoesNotContain("```", content.Sections[2].Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Markdown_title_is_the_first_h1_without_front_matter()
    {
        var content = new MarkdownExtractor().Extract(Utf8("# Hello `World`\n\ntext"), "h.md");
        Assert.Equal("Hello World", content.Title);
    }

    [Fact]
    public void Html_text_by_heading_without_scripts_or_styles()
    {
        const string html = """
            <html><head><title> Page  Title </title><style>p { color: red }</style></head>
            <body><p>Intro <b>bold</b> text.</p><script>alert('x')</script>
            <h1>Main</h1><p>First.</p><div>Second<br>line</div>
            <h2>Sub</h2><ul><li>a</li><li>b</li></ul></body></html>
            """;
        var content = new HtmlExtractor().Extract(Utf8(html), "p.html");
        Assert.Equal("Page Title", content.Title);
        Assert.Equal([null, "Main", "Main > Sub"], content.Sections.Select(s => s.Heading));
        Assert.Equal("Intro bold text.", content.Sections[0].Text);
        Assert.Contains("First.", content.Sections[1].Text, StringComparison.Ordinal);
        Assert.Contains("Second", content.Sections[1].Text, StringComparison.Ordinal);
        Assert.DoesNotContain("alert", string.Concat(content.Sections.Select(s => s.Text)), StringComparison.Ordinal);
        Assert.DoesNotContain("color", string.Concat(content.Sections.Select(s => s.Text)), StringComparison.Ordinal);
    }

    [Fact]
    public void Pdf_text_is_extracted()
    {
        var content = new PdfExtractor().Extract(TestPdfs.Make("Hello from a PDF.", "Second line here."), "d.pdf");
        var text = Assert.Single(content.Sections).Text;
        Assert.Contains("Hello from a PDF.", text, StringComparison.Ordinal);
        Assert.Contains("Second line here.", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Broken_pdfs_are_unreadable()
    {
        var notPdf = Assert.Throws<IngestionException>(() => new PdfExtractor().Extract(Utf8("just text"), "x.pdf"));
        Assert.Equal(IngestionErrorKind.Unreadable, notPdf.Kind);
        Assert.Contains("x.pdf", notPdf.Message, StringComparison.Ordinal);

        var pdf = TestPdfs.Make("Some text");
        var truncated = pdf.AsMemory(0, pdf.Length / 3);
        var broken = Assert.Throws<IngestionException>(() => new PdfExtractor().Extract(truncated, "y.pdf"));
        Assert.Equal(IngestionErrorKind.Unreadable, broken.Kind);

        var garbage = Encoding.ASCII.GetBytes("%PDF-1.7\n" + new string('#', 500));
        Assert.Equal(IngestionErrorKind.Unreadable, Assert.Throws<IngestionException>(() => new PdfExtractor().Extract(garbage, "z.pdf")).Kind);
    }

    [Fact]
    public void Json_is_flattened_to_path_value_lines()
    {
        var content = new JsonExtractor().Extract(Utf8("""{"title":"Config","server":{"port":8080,"hosts":["a","b"]},"enabled":true}"""), "c.json");
        Assert.Equal("Config", content.Title);
        var text = Assert.Single(content.Sections).Text;
        Assert.Contains("server.port: 8080", text, StringComparison.Ordinal);
        Assert.Contains("server.hosts[1]: b", text, StringComparison.Ordinal);
        Assert.Contains("enabled: true", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_arrays_become_one_section_per_element()
    {
        var content = new JsonExtractor().Extract(Utf8("""[{"name":"first","v":1},{"v":2}]"""), "l.json");
        Assert.Equal(["first", "[1]"], content.Sections.Select(s => s.Heading));
    }

    [Fact]
    public void Invalid_json_reports_where()
    {
        var e = Assert.Throws<IngestionException>(() => new JsonExtractor().Extract(Utf8("{\n  \"a\": [1, 2\n"), "bad.json"));
        Assert.Equal(IngestionErrorKind.Unreadable, e.Kind);
        Assert.Contains("bad.json", e.Message, StringComparison.Ordinal);
        Assert.Contains("line", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mime_types_come_from_extensions()
    {
        Assert.Equal(MimeTypes.Markdown, MimeTypes.FromFileName("README.MD"));
        Assert.Equal(MimeTypes.Html, MimeTypes.FromFileName("a/b.htm"));
        Assert.Equal(MimeTypes.Pdf, MimeTypes.FromFileName("x.pdf"));
        Assert.Equal(MimeTypes.Json, MimeTypes.FromFileName("x.json"));
        Assert.Equal(MimeTypes.PlainText, MimeTypes.FromFileName("x.txt"));
        Assert.Null(MimeTypes.FromFileName("x.docx"));
        Assert.NotNull(ContentExtractors.CreateDefault().Find("text/html; charset=utf-8"));
    }
}
