using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.RateLimiting;
using ContextHub.Messaging;
using ContextHub.Protocol;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Protocol;

namespace ContextHub.Server.Gateway.Security;

/// <summary>
/// The Message Manager's rate limits (System.Threading.RateLimiting): a token bucket per caller for every request, one
/// per caller and tool for tool calls, and a cap on a caller's running tool calls (held until the call ends). Over a limit
/// is -32029 with <c>data.retryAfterSeconds</c>, HTTP 429 with <c>Retry-After</c> on HTTP doors.
/// </summary>
public sealed partial class RateLimitFilter : IMcpRequestFilter, IDisposable
{
    private readonly RateLimitOptions _options;
    private readonly PartitionedRateLimiter<string>? _requests;
    private readonly PartitionedRateLimiter<(string Caller, string Tool)>? _tools;
    private readonly PartitionedRateLimiter<string>? _concurrent;
    private readonly ILogger<RateLimitFilter> _logger;

    public RateLimitFilter(IOptions<SecurityOptions> options, ILogger<RateLimitFilter> logger)
    {
        _options = options.Value.RateLimits;
        _logger = logger;
        var o = _options;
        if (o.RequestsPerMinute > 0)
        {
            _requests = PartitionedRateLimiter.Create<string, string>(caller =>
                RateLimitPartition.GetTokenBucketLimiter(caller, _ => Bucket(o.RequestsPerMinute, o.RequestBurst)));
        }

        if (o.ToolCallsPerMinute > 0)
        {
            _tools = PartitionedRateLimiter.Create<(string Caller, string Tool), (string, string)>(key =>
                RateLimitPartition.GetTokenBucketLimiter(key, _ => Bucket(o.ToolCallsPerMinute, o.ToolCallBurst)));
        }

        if (o.MaxConcurrentToolCalls > 0)
        {
            _concurrent = PartitionedRateLimiter.Create<string, string>(caller =>
                RateLimitPartition.GetConcurrencyLimiter(caller, _ => new ConcurrencyLimiterOptions { PermitLimit = o.MaxConcurrentToolCalls, QueueLimit = 0 }));
        }
    }

    public ValueTask OnRequestAsync(McpRequest request, CancellationToken cancellationToken)
    {
        var caller = request.Caller;
        if (_options.ExemptLocalAnonymous && IsLocalAnonymous(caller))
        {
            return ValueTask.CompletedTask;
        }

        var key = caller.AuthKind == McpAuthKind.Anonymous ? "anonymous@" + caller.RemoteAddress : caller.Identity;
        if (_requests is not null)
        {
            using var lease = _requests.AttemptAcquire(key);
            if (!lease.IsAcquired)
            {
                throw Limited(caller, lease, "requests", $"{SecurityOptions.Section}:RateLimits:RequestsPerMinute");
            }
        }

        if (request.Method != RequestMethods.ToolsCall || request.Params.ValueKind != JsonValueKind.Object
            || !request.Params.TryGetProperty("name"u8, out var name) || name.ValueKind != JsonValueKind.String)
        {
            return ValueTask.CompletedTask;
        }

        if (_tools is not null)
        {
            using var lease = _tools.AttemptAcquire((key, name.GetString()!));
            if (!lease.IsAcquired)
            {
                throw Limited(caller, lease, "calls of this tool", $"{SecurityOptions.Section}:RateLimits:ToolCallsPerMinute");
            }
        }

        if (_concurrent is not null)
        {
            var slot = _concurrent.AttemptAcquire(key);
            if (!slot.IsAcquired)
            {
                slot.Dispose();
                throw Limited(caller, null, "running tool calls", $"{SecurityOptions.Section}:RateLimits:MaxConcurrentToolCalls");
            }

            // Released by the Message Manager when the call ends, however it ends.
            request.Lease = slot;
        }

        return ValueTask.CompletedTask;
    }

    private static bool IsLocalAnonymous(McpCaller caller) =>
        caller.AuthKind == McpAuthKind.Local
        || (caller.AuthKind == McpAuthKind.Anonymous && (caller.RemoteAddress is null || IPAddress.IsLoopback(caller.RemoteAddress)));

    private McpErrorException Limited(McpCaller caller, RateLimitLease? lease, string what, string setting)
    {
        var retry = lease is not null && lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(1);
        var seconds = RetryAfterHeader.Seconds(retry);
        LogLimited(_logger, caller.Identity, what, seconds);
        return new McpErrorException(McpProtocol.ErrorCodes.RateLimited,
            $"Too many {what}: try again in {seconds.ToString(CultureInfo.InvariantCulture)} s ({setting}).",
            new JsonObject { ["retryAfterSeconds"] = seconds })
        {
            Kind = McpErrorKind.RateLimited,
            HttpStatus = StatusCodes.Status429TooManyRequests,
            RetryAfter = TimeSpan.FromSeconds(seconds),
        };
    }

    /// <summary>A bucket of <paramref name="burst"/> tokens refilled at <paramref name="perMinute"/>, in steps of at most a second.</summary>
    private static TokenBucketRateLimiterOptions Bucket(int perMinute, int burst)
    {
        var perStep = Math.Max(1, perMinute / 60);
        return new TokenBucketRateLimiterOptions
        {
            TokenLimit = burst,
            TokensPerPeriod = perStep,
            ReplenishmentPeriod = TimeSpan.FromMinutes((double)perStep / perMinute),
            QueueLimit = 0,
            AutoReplenishment = true,
        };
    }

    public void Dispose()
    {
        _requests?.Dispose();
        _tools?.Dispose();
        _concurrent?.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Rate limit: {Caller} sent too many {What}; retry in {Seconds} s")]
    private static partial void LogLimited(ILogger logger, string caller, string what, int seconds);
}
