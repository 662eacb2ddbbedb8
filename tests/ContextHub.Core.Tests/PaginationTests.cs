using System.Text.Json;
using ContextHub.Protocol;
using ContextHub.Service;

namespace ContextHub.Core.Tests;

public sealed class PaginationTests
{
    private static readonly string[] Items = ["a", "b", "c", "d", "e"];

    [Fact]
    public void Walks_every_item_once_in_pages()
    {
        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var (page, next) = Pagination.Page(Items, x => x, cursor is null ? null : Pagination.ReadCursor(Params(cursor)), 2);
            seen.AddRange(page);
            cursor = next;
        }
        while (cursor is not null);

        Assert.Equal(Items, seen);
    }

    [Fact]
    public void A_cursor_stays_right_when_an_item_is_added_before_it()
    {
        var (_, next) = Pagination.Page(Items, x => x, null, 2);
        string[] grown = ["0", .. Items];

        var (page, _) = Pagination.Page(grown, x => x, Pagination.ReadCursor(Params(next!)), 2);

        Assert.Equal(["c", "d"], page);
    }

    [Theory]
    [InlineData("\"garbage\"")]
    [InlineData("42")]
    public void A_cursor_the_server_did_not_issue_is_invalid_params(string cursor)
    {
        var error = Assert.Throws<McpErrorException>(() => Pagination.ReadCursor(JsonDocument.Parse($$"""{"cursor":{{cursor}}}""").RootElement));

        Assert.Equal(McpProtocol.ErrorCodes.InvalidParams, error.Code);
    }

    private static JsonElement Params(string cursor) => JsonDocument.Parse(JsonSerializer.Serialize(new { cursor })).RootElement;
}
