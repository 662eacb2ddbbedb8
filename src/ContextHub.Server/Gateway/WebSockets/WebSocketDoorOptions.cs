using Microsoft.Extensions.Options;

namespace ContextHub.Server.Gateway.WebSockets;

/// <summary>Settings of MCP over WebSocket, bound from <c>ContextHub:WebSocket</c>.</summary>
public sealed class WebSocketDoorOptions
{
    public const string Section = "ContextHub:WebSocket";

    /// <summary>Largest JSON-RPC message (all frames of it) accepted; a bigger one closes the socket with 1009.</summary>
    public int MaxMessageBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>How often the server pings an idle socket.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the server waits for the pong before it gives the socket up.</summary>
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public WebSocketOptions ToMiddlewareOptions() => new() { KeepAliveInterval = KeepAliveInterval, KeepAliveTimeout = KeepAliveTimeout };
}

/// <summary>Checks <see cref="WebSocketDoorOptions"/> at start, naming the setting and the fix.</summary>
public sealed class WebSocketDoorOptionsValidator : IValidateOptions<WebSocketDoorOptions>
{
    public ValidateOptionsResult Validate(string? name, WebSocketDoorOptions options)
    {
        var failures = new List<string>();
        if (options.MaxMessageBytes < 1024)
        {
            failures.Add($"{WebSocketDoorOptions.Section}:MaxMessageBytes is {options.MaxMessageBytes}; use at least 1024 (bytes).");
        }

        if (options.KeepAliveInterval < TimeSpan.Zero || options.KeepAliveTimeout < TimeSpan.Zero)
        {
            failures.Add($"{WebSocketDoorOptions.Section}:KeepAliveInterval and KeepAliveTimeout must not be negative; use \"00:00:30\" or \"00:00:00\" to turn them off.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
