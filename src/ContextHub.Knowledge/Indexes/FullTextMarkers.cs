namespace ContextHub.Knowledge.Indexes;

/// <summary>How full-text snippets mark the matched terms.</summary>
public static class FullTextMarkers
{
    public const string Open = "**";
    public const string Close = "**";
    public const char Ellipsis = '…';
}
