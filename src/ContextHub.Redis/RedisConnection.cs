using ContextHub.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ContextHub.Redis;

/// <summary>The one multiplexer of this process, the key prefix, and the translation of Redis failures into a clear 503.</summary>
public sealed partial class RedisConnection : IDisposable
{
    private readonly ILogger<RedisConnection> _logger;

    public RedisConnection(IOptions<RedisOptions> options, ILogger<RedisConnection> logger)
    {
        _logger = logger;
        Options = options.Value;
        Multiplexer = ConnectionMultiplexer.Connect(Options.ToClientOptions());
        Multiplexer.ConnectionFailed += (_, e) =>
        {
            if (_logger.IsEnabled(LogLevel.Warning))
            {
                LogConnectionFailed(e.EndPoint?.ToString() ?? "?", e.FailureType.ToString());
            }
        };
        Multiplexer.ConnectionRestored += (_, e) =>
        {
            LogConnectionRestored(e.EndPoint);
        };
    }

    public RedisOptions Options { get; }

    public IConnectionMultiplexer Multiplexer { get; }

    public IDatabase Database => Multiplexer.GetDatabase();

    public RedisKey Key(string name) => Options.KeyPrefix + name;

    public RedisChannel Channel(string name) => RedisChannel.Literal(Options.KeyPrefix + name);

    /// <summary>True for the failures that mean "Redis is not answering now" (as opposed to a bug).</summary>
    public static bool IsUnavailable(Exception e) => e is RedisConnectionException or RedisTimeoutException or TimeoutException
        or RedisException or ObjectDisposedException;

    /// <summary>
    /// The <c>Retry-After</c> of a 503 while Redis is away: the client reconnects every few seconds while it is down, so a
    /// retry sooner would most likely meet the same answer.
    /// </summary>
    public static readonly TimeSpan UnavailableRetryAfter = TimeSpan.FromSeconds(2);

    /// <summary>The error a request gets while Redis is away: JSON-RPC internal error, HTTP 503, naming the setting.</summary>
    public McpErrorException Unavailable(string what, Exception e)
    {
        LogUnavailable(what, e.Message);
        return new McpErrorException(McpProtocol.ErrorCodes.InternalError,
            $"The {what} is unavailable: Redis ({RedisOptions.Section}:Configuration) did not answer ({e.GetType().Name}). Try again shortly.")
        { HttpStatus = 503, RetryAfter = UnavailableRetryAfter };
    }

    public void Dispose() => Multiplexer.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis connection to {EndPoint} failed ({FailureType}); requests that need Redis get 503 until it returns")]
    private partial void LogConnectionFailed(string endPoint, string failureType);

    [LoggerMessage(Level = LogLevel.Information, Message = "Redis connection to {EndPoint} restored")]
    private partial void LogConnectionRestored(System.Net.EndPoint? endPoint);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The {What} is unavailable: {Reason}")]
    private partial void LogUnavailable(string what, string reason);
}
