using System.IO.Compression;
using System.IO.Hashing;

namespace ContextHub.Server.Gateway.WebConsole;

/// <summary>
/// The console's files, embedded in the assembly at build time (no CDN, nothing read from disk): each kept in memory
/// with a gzip copy and an ETag computed once at start.
/// </summary>
public sealed class ConsoleAssets
{
    private const string Prefix = "console/";

    private readonly Dictionary<string, ConsoleAsset> _assets = new(StringComparer.Ordinal);

    public ConsoleAssets()
    {
        var assembly = typeof(ConsoleAssets).Assembly;
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var path = name[Prefix.Length..].Replace('\\', '/');
            _assets[path] = ConsoleAsset.Create(path, buffer.ToArray());
        }
    }

    public IReadOnlyCollection<string> Paths => _assets.Keys;

    public ConsoleAsset? Find(string path) => _assets.GetValueOrDefault(path);
}

/// <summary>One embedded file: its bytes, a gzip copy when that is smaller, its media type and its tag.</summary>
public sealed record ConsoleAsset(string Path, byte[] Content, byte[]? Gzip, string ContentType, string ETag)
{
    public static ConsoleAsset Create(string path, byte[] content)
    {
        var type = System.IO.Path.GetExtension(path) switch
        {
            ".html" => "text/html; charset=utf-8",
            ".js" => "text/javascript; charset=utf-8",
            ".css" => "text/css; charset=utf-8",
            ".svg" => "image/svg+xml",
            ".png" => "image/png",
            ".json" => "application/json",
            _ => "application/octet-stream",
        };
        byte[]? gzip = null;
        if (!type.StartsWith("image/png", StringComparison.Ordinal))
        {
            using var compressed = new MemoryStream();
            using (var zip = new GZipStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
            {
                zip.Write(content);
            }

            gzip = compressed.Length < content.Length ? compressed.ToArray() : null;
        }

        return new ConsoleAsset(path, content, gzip, type, "\"" + Convert.ToHexStringLower(XxHash64.Hash(content)) + "\"");
    }
}
