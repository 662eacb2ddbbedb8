namespace ContextHub.Resources;

/// <summary>MIME types by file extension, for the kinds of files a context server serves.</summary>
public static class MimeTypes
{
    private static readonly Dictionary<string, string> ByExtension = new(StringComparer.OrdinalIgnoreCase)
    {
        [".txt"] = "text/plain", [".md"] = "text/markdown", [".markdown"] = "text/markdown", [".html"] = "text/html",
        [".htm"] = "text/html", [".css"] = "text/css", [".csv"] = "text/csv", [".tsv"] = "text/tab-separated-values",
        [".json"] = "application/json", [".jsonl"] = "application/x-ndjson", [".xml"] = "application/xml",
        [".yaml"] = "application/yaml", [".yml"] = "application/yaml", [".toml"] = "application/toml",
        [".js"] = "text/javascript", [".mjs"] = "text/javascript", [".ts"] = "text/x-typescript", [".cs"] = "text/x-csharp",
        [".py"] = "text/x-python", [".java"] = "text/x-java", [".go"] = "text/x-go", [".rs"] = "text/x-rust",
        [".sh"] = "text/x-shellscript", [".sql"] = "application/sql", [".log"] = "text/plain",
        [".png"] = "image/png", [".jpg"] = "image/jpeg", [".jpeg"] = "image/jpeg", [".gif"] = "image/gif",
        [".webp"] = "image/webp", [".svg"] = "image/svg+xml", [".pdf"] = "application/pdf",
        [".wav"] = "audio/wav", [".mp3"] = "audio/mpeg", [".zip"] = "application/zip",
    };

    public static string FromPath(string path) =>
        ByExtension.TryGetValue(Path.GetExtension(path), out var mime) ? mime : "application/octet-stream";

    public static bool IsText(string mime) =>
        mime.StartsWith("text/", StringComparison.Ordinal)
        || mime is "application/json" or "application/x-ndjson" or "application/xml" or "application/yaml"
            or "application/toml" or "application/sql" or "image/svg+xml";
}
