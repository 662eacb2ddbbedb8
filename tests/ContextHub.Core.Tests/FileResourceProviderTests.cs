using ContextHub.Resources;
using ContextHub.Storage.PubSub;

namespace ContextHub.Core.Tests;

public sealed class FileResourceProviderTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("contexthub-files-").FullName;
    private readonly string _outside = Directory.CreateTempSubdirectory("contexthub-outside-").FullName;

    public FileResourceProviderTests()
    {
        Directory.CreateDirectory(Path.Combine(_root, "docs"));
        File.WriteAllText(Path.Combine(_root, "docs", "a b.md"), "# A");
        File.WriteAllText(Path.Combine(_outside, "secret.txt"), "secret");
        File.CreateSymbolicLink(Path.Combine(_root, "link.txt"), Path.Combine(_outside, "secret.txt"));
        Directory.CreateSymbolicLink(Path.Combine(_root, "linkdir"), _outside);
    }

    [Fact]
    public void Lists_files_with_escaped_uris_and_skips_links()
    {
        using var provider = new FileResourceProvider("files", _root, new InProcessNotificationBus(), watch: false);

        var uris = provider.ListResources().Select(r => r.Uri).ToList();

        Assert.Equal(["res://files/docs/a%20b.md"], uris);
    }

    [Theory]
    [InlineData("res://files/../secret.txt")]
    [InlineData("res://files/..%2F..%2Fetc%2Fpasswd")]
    [InlineData("res://files/%2Fetc%2Fpasswd")]
    [InlineData("res://files/link.txt")]
    [InlineData("res://files/linkdir/secret.txt")]
    [InlineData("res://files/")]
    public void No_uri_reaches_outside_the_folder(string uri)
    {
        using var provider = new FileResourceProvider("files", _root, new InProcessNotificationBus(), watch: false);

        Assert.Null(provider.Resolve(uri));
    }

    [Fact]
    public void A_uri_inside_resolves_to_its_file()
    {
        using var provider = new FileResourceProvider("files", _root, new InProcessNotificationBus(), watch: false);

        Assert.Equal(Path.Combine(_root, "docs", "a b.md"), provider.Resolve("res://files/docs/a%20b.md"));
    }

    public void Dispose()
    {
        Directory.Delete(_root, recursive: true);
        Directory.Delete(_outside, recursive: true);
    }
}
