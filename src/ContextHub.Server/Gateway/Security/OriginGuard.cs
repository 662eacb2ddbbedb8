using Microsoft.Extensions.Options;

namespace ContextHub.Server.Gateway.Security;

/// <summary>
/// DNS-rebinding protection: a browser request carries an <c>Origin</c>; only loopback origins (when allowed) and the
/// configured ones may call the server. Requests without an <c>Origin</c> (non-browser clients) pass. The <c>Host</c>
/// header is checked by ASP.NET Core's host filtering (<c>AllowedHosts</c>).
/// </summary>
public sealed class OriginGuard
{
    private readonly HashSet<string> _allowed;
    private readonly bool _allowLoopback;

    public OriginGuard(IOptions<GatewayOptions> options)
    {
        _allowed = new HashSet<string>(options.Value.AllowedOrigins.Select(o => o.TrimEnd('/')), StringComparer.OrdinalIgnoreCase);
        _allowLoopback = options.Value.AllowLoopbackOrigins;
    }

    public bool IsAllowed(HttpContext context)
    {
        var origin = context.Request.Headers.Origin;
        if (origin.Count == 0)
        {
            return true;
        }

        var value = origin.ToString();
        if (_allowed.Contains(value))
        {
            return true;
        }

        return _allowLoopback && Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == "http" || uri.Scheme == "https")
            && (uri.IsLoopback || uri.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase));
    }
}
