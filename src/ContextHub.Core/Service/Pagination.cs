using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;
using ContextHub.Protocol;

namespace ContextHub.Service;

/// <summary>Opaque cursors over a sorted snapshot: the cursor is the last name returned, so a page stays right when items are added.</summary>
public static class Pagination
{
    /// <summary>Reads <c>params.cursor</c>; throws -32602 for one this server did not issue.</summary>
    public static string? ReadCursor(JsonElement parameters)
    {
        if (parameters.ValueKind != JsonValueKind.Object || !parameters.TryGetProperty("cursor"u8, out var cursor)
            || cursor.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (cursor.ValueKind != JsonValueKind.String)
        {
            throw McpErrorException.InvalidParams("cursor must be a string", "cursor");
        }

        try
        {
            var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor.GetString()));
            return text.StartsWith("after:", StringComparison.Ordinal) ? text[6..] : throw new FormatException();
        }
        catch (FormatException)
        {
            throw McpErrorException.InvalidParams("unknown cursor; start again without one", "cursor");
        }
    }

    public static string Encode(string lastKey) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes("after:" + lastKey));

    /// <summary>
    /// Takes one page from <paramref name="sorted"/> (ordinal by key) after <paramref name="after"/>, of the items whose key
    /// <paramref name="visible"/> accepts (all when null): a caller who may see few items still gets full pages, and a next
    /// cursor only while one of them remains.
    /// </summary>
    public static (List<T> Page, string? NextCursor) Page<T>(IReadOnlyList<T> sorted, Func<T, string> key, string? after, int pageSize,
        Func<string, bool>? visible = null)
    {
        var start = 0;
        if (after is not null)
        {
            int lo = 0, hi = sorted.Count;
            while (lo < hi)
            {
                var mid = (lo + hi) >>> 1;
                if (string.CompareOrdinal(key(sorted[mid]), after) <= 0)
                {
                    lo = mid + 1;
                }
                else
                {
                    hi = mid;
                }
            }

            start = lo;
        }

        var page = new List<T>(Math.Clamp(sorted.Count - start, 0, pageSize));
        var i = start;
        for (; i < sorted.Count && page.Count < pageSize; i++)
        {
            if (visible is null || visible(key(sorted[i])))
            {
                page.Add(sorted[i]);
            }
        }

        while (visible is not null && i < sorted.Count && !visible(key(sorted[i])))
        {
            i++;
        }

        var next = i < sorted.Count && page.Count > 0 ? Encode(key(page[^1])) : null;
        return (page, next);
    }

    internal static string Invariant(this int value) => value.ToString(CultureInfo.InvariantCulture);
}
