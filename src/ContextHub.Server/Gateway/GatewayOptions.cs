using Microsoft.Extensions.Options;

namespace ContextHub.Server.Gateway;

/// <summary>Settings of the HTTP gateway, bound from <c>ContextHub:Gateway</c>.</summary>
public sealed class GatewayOptions
{
    public const string Section = "ContextHub:Gateway";

    /// <summary>Largest request body accepted; bigger ones get 413 before they are read.</summary>
    public long MaxRequestBodyBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Origins (scheme://host[:port]) allowed besides loopback ones; a request from any other origin gets 403.</summary>
    public List<string> AllowedOrigins { get; set; } = [];

    /// <summary>Whether pages served from localhost/127.0.0.1/[::1] may call the server.</summary>
    public bool AllowLoopbackOrigins { get; set; } = true;

    /// <summary>How often an idle SSE stream gets a keep-alive comment.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(15);
}

/// <summary>Checks <see cref="GatewayOptions"/> at start, naming the setting and the fix.</summary>
public sealed class GatewayOptionsValidator : IValidateOptions<GatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        var failures = new List<string>();
        if (options.MaxRequestBodyBytes < 1024)
        {
            failures.Add($"{GatewayOptions.Section}:MaxRequestBodyBytes is {options.MaxRequestBodyBytes}; use at least 1024 (bytes).");
        }

        foreach (var origin in options.AllowedOrigins)
        {
            if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.AbsolutePath != "/" || (uri.Scheme != "http" && uri.Scheme != "https"))
            {
                failures.Add($"{GatewayOptions.Section}:AllowedOrigins has '{origin}'; write origins as scheme://host[:port], e.g. https://app.example.com.");
            }
        }

        if (options.KeepAliveInterval < TimeSpan.FromSeconds(1))
        {
            failures.Add($"{GatewayOptions.Section}:KeepAliveInterval is {options.KeepAliveInterval}; use at least \"00:00:01\".");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
