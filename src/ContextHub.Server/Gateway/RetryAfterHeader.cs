using System.Globalization;
using ContextHub.Protocol;

namespace ContextHub.Server.Gateway;

/// <summary>
/// <c>Retry-After</c> as every HTTP door writes it (rate limits, task polling, errors that say when to try again):
/// whole seconds, rounded up so a client never comes back early, and at least 1.
/// </summary>
internal static class RetryAfterHeader
{
    /// <summary>The delay in the header's unit, also used where a body repeats it (<c>data.retryAfterSeconds</c>).</summary>
    public static int Seconds(TimeSpan after) => Math.Max(1, (int)Math.Ceiling(after.TotalSeconds));

    public static void Set(HttpResponse response, TimeSpan after) =>
        response.Headers.RetryAfter = Seconds(after).ToString(CultureInfo.InvariantCulture);

    /// <summary>Sets the header when <paramref name="error"/> says when to try again and the headers can still change.</summary>
    public static void SetFrom(HttpResponse response, McpErrorException error)
    {
        if (error.RetryAfter is { } after && !response.HasStarted)
        {
            Set(response, after);
        }
    }
}
