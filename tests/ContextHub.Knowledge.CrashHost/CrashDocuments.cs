using System.Globalization;
using System.Text;
using ContextHub.Knowledge.Ingestion;

namespace ContextHub.Knowledge.CrashHost;

/// <summary>The documents the crash host writes; the test rebuilds them to check what it finds.</summary>
public static class CrashDocuments
{
    public static KnowledgeOptions Options { get; } = new() { Chunking = new ChunkingOptions { ChunkSize = 300, Overlap = 60 } };

    public static string Id(int i) => "crash-" + i.ToString(CultureInfo.InvariantCulture);

    public static string Text(int i)
    {
        var sb = new StringBuilder();
        sb.Append("# Document ").Append(i).Append("\n\n");
        for (var s = 0; s < 40; s++)
        {
            sb.Append("Sentence ").Append(s).Append(" of document ").Append(i)
              .Append(" mentions marker").Append(i).Append(" and the value ").Append((i * 7919 + s * 104729) % 1000).Append(". ");
            if (s % 10 == 9)
            {
                sb.Append("\n\n## Part ").Append(s / 10).Append("\n\n");
            }
        }

        return sb.ToString();
    }

    public static IngestionRequest Request(int i) => IngestionRequest.FromText("crash://" + Id(i), Text(i), MimeTypes.Markdown) with { Id = Id(i) };
}
