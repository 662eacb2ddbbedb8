using System.Text;
using System.Text.Json;

namespace ContextHub.Knowledge.Ingestion.Extractors;

/// <summary>
/// JSON: every string, number and boolean as a <c>path: value</c> line; a top-level array becomes one section per
/// element. A <c>title</c> (or <c>name</c>) property at the top is the title.
/// </summary>
public sealed class JsonExtractor : IContentExtractor
{
    public IReadOnlyCollection<string> MimeTypes { get; } = [Ingestion.MimeTypes.Json, "text/json"];

    public ExtractedContent Extract(ReadOnlyMemory<byte> content, string source)
    {
        var text = TextDecoding.Decode(content, source);
        JsonDocument json;
        try
        {
            json = JsonDocument.Parse(text, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip, MaxDepth = 256 });
        }
        catch (JsonException e)
        {
            throw new IngestionException(IngestionErrorKind.Unreadable, $"{source}: invalid JSON at line {(e.LineNumber ?? 0) + 1}, position {(e.BytePositionInLine ?? 0) + 1}: {e.Message}", e);
        }

        using (json)
        {
            var root = json.RootElement;
            var sections = new List<TextSection>();
            string? title = null;
            if (root.ValueKind == JsonValueKind.Array)
            {
                var i = 0;
                foreach (var item in root.EnumerateArray())
                {
                    var sb = new StringBuilder();
                    Flatten(item, "", sb);
                    sections.Add(new TextSection(NameOf(item) ?? $"[{i}]", sb.ToString().Trim()));
                    i++;
                }
            }
            else
            {
                title = NameOf(root);
                var sb = new StringBuilder();
                Flatten(root, "", sb);
                sections.Add(new TextSection(null, sb.ToString().Trim()));
            }

            return new ExtractedContent(title, sections);
        }
    }

    private static string? NameOf(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        foreach (var name in (string[])["title", "name", "Title", "Name"])
        {
            if (element.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(v.GetString()))
            {
                return v.GetString()!.Trim();
            }
        }

        return null;
    }

    private static void Flatten(JsonElement element, string path, StringBuilder sb)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    Flatten(property.Value, path.Length == 0 ? property.Name : $"{path}.{property.Name}", sb);
                }

                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    Flatten(item, $"{path}[{i++}]", sb);
                }

                break;
            case JsonValueKind.String:
                var s = element.GetString();
                if (!string.IsNullOrWhiteSpace(s))
                {
                    Line(sb, path, s);
                }

                break;
            case JsonValueKind.Number:
            case JsonValueKind.True:
            case JsonValueKind.False:
                Line(sb, path, element.GetRawText());
                break;
        }
    }

    private static void Line(StringBuilder sb, string path, string value)
    {
        // Long strings become paragraphs of their own so the chunker can split them by sentence.
        if (value.Length > 200)
        {
            sb.Append(path.Length == 0 ? "" : path + ":\n").Append(value).Append("\n\n");
        }
        else
        {
            sb.Append(path.Length == 0 ? value : $"{path}: {value}").Append('\n');
        }
    }
}
