namespace ContextHub.Protocol;

/// <summary>Header values of the HTTP binding (<c>Mcp-Name</c>, <c>Mcp-Param-*</c>): literal, or UTF-8 wrapped as <c>=?base64?...?=</c>.</summary>
public static class McpHeaderValue
{
    /// <summary>The value a header carries; null when the <c>=?base64?...?=</c> wrapper holds bad Base64.</summary>
    public static string? Decode(string header)
    {
        if (!header.StartsWith("=?base64?", StringComparison.OrdinalIgnoreCase) || !header.EndsWith("?=", StringComparison.Ordinal) || header.Length < 11)
        {
            return header;
        }

        try
        {
            return System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(header[9..^2]));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>A header that disagrees with the body (or is missing): <c>HeaderMismatch</c>, HTTP 400.</summary>
    public static McpErrorException Mismatch(string message) => new(McpProtocol.ErrorCodes.HeaderMismatch, message) { HttpStatus = 400 };
}
