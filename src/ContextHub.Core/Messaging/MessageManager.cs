using System.Diagnostics;
using System.Text.Json;
using ContextHub.Protocol;
using ContextHub.Service;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;

namespace ContextHub.Messaging;

/// <summary>
/// The one pipeline every door goes through: limits → validation (revision, session, shape) → filters
/// (authentication, authorization, rate limits) → dispatch → result recording → metrics. Errors are mapped
/// here, once, to <see cref="McpErrorException"/>.
/// </summary>
public sealed partial class MessageManager
{
    private readonly McpService _service;
    private readonly IMcpRequestFilter[] _filters;
    private readonly IMcpResultRecorder[] _recorders;
    private readonly McpMetrics _metrics;
    private readonly ILogger<MessageManager> _logger;

    public MessageManager(McpService service, IEnumerable<IMcpRequestFilter> filters, IEnumerable<IMcpResultRecorder> recorders,
        McpMetrics metrics, ILogger<MessageManager> logger)
    {
        _service = service;
        _filters = [.. filters];
        _recorders = [.. recorders];
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>The engine behind the pipeline; doors never see it (they send requests and read notifications).</summary>
    internal McpService Service => _service;

    /// <summary>Handles a request and returns its result; failures come back as <see cref="McpErrorException"/>.</summary>
    public async ValueTask<McpResult> ProcessAsync(McpRequest request, CancellationToken cancellationToken)
    {
        CheckHeaders(request);
        var started = Stopwatch.GetTimestamp();
        var labels = _metrics.LabelsOf(request);
        var activity = McpTracing.StartRequest(request, labels);
        McpResult result = default;
        Exception? failure = null;
        try
        {
            Validate(request);
            foreach (var filter in _filters)
            {
                await filter.OnRequestAsync(request, cancellationToken);
            }

            result = await _service.DispatchAsync(request, cancellationToken);
            return result;
        }
        catch (Exception e)
        {
            failure = e;
            var error = MapError(request, e, cancellationToken);
            if (request.IsStateless && error.HttpStatus is null)
            {
                // The stateless revision gives some errors an HTTP status of their own.
                error.HttpStatus = error.Code switch
                {
                    McpProtocol.ErrorCodes.MethodNotFound => 404,
                    McpProtocol.ErrorCodes.MissingRequiredClientCapability or McpProtocol.ErrorCodes.UnsupportedProtocolVersion
                        or McpProtocol.ErrorCodes.HeaderMismatch => 400,
                    _ => null,
                };
            }

            throw error;
        }
        finally
        {
            request.Lease?.Dispose();
            foreach (var recorder in _recorders)
            {
                recorder.Record(request, result, failure, Stopwatch.GetElapsedTime(started));
            }

            _metrics.RequestHandled(request, labels, result, failure, started);
            if (activity is not null)
            {
                McpTracing.StopRequest(activity, request, failure);
            }
        }
    }

    /// <summary>Handles a notification from the client; notifications never get an answer, so failures are only logged.</summary>
    public async ValueTask ProcessNotificationAsync(McpRequest notification, CancellationToken cancellationToken)
    {
        CheckHeaders(notification);
        try
        {
            ResolveRevision(notification, requireSession: false);
            await _service.HandleNotificationAsync(notification, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogNotificationFailed(e, notification.Method);
        }
    }

    /// <summary>Headers that repeat the body, checked before anything is counted or recorded: a refusal is HTTP 400 <c>HeaderMismatch</c>.</summary>
    private void CheckHeaders(McpRequest request)
    {
        if (request.ParameterHeaders is not null && ParameterHeaderCheck.Check(request, _service.Tools.Registry) is { } refused)
        {
            throw refused;
        }
    }

    private static void Validate(McpRequest request)
    {
        if (request.Method.Length == 0)
        {
            throw McpErrorException.InvalidRequest("method must be a non-empty string");
        }

        if (request.Params.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Object))
        {
            throw McpErrorException.InvalidRequest("params must be an object");
        }

        ResolveRevision(request, requireSession: true);
    }

    /// <summary>
    /// Decides which revision governs the request: a protocol version in <c>_meta</c> means the stateless revision;
    /// otherwise the session (made by <c>initialize</c>) decides.
    /// </summary>
    private static void ResolveRevision(McpRequest request, bool requireSession)
    {
        var version = request.GetMeta(McpProtocol.Meta.ProtocolVersion);
        if (version.ValueKind == JsonValueKind.String && request.Session is null)
        {
            var requested = version.GetString()!;
            if (!McpProtocol.IsStateless(requested) || !McpProtocol.IsSupported(requested))
            {
                throw UnsupportedVersion(requested);
            }

            request.ProtocolVersion = requested;
            request.ClientCapabilities = ReadMeta(request, McpProtocol.Meta.ClientCapabilities, McpJson.TypeInfo<ClientCapabilities>())
                ?? throw new McpErrorException(McpProtocol.ErrorCodes.InvalidParams,
                    $"Invalid params: protocol revision {requested} needs params._meta[\"{McpProtocol.Meta.ClientCapabilities}\"] (an object, {{}} when the client offers nothing).",
                    new System.Text.Json.Nodes.JsonObject { ["path"] = "_meta." + McpProtocol.Meta.ClientCapabilities })
                { HttpStatus = 400 };
            var level = request.GetMeta(McpProtocol.Meta.LogLevel);
            request.LogLevel = level.ValueKind == JsonValueKind.String
                ? JsonSerializer.Deserialize(level, McpJson.TypeInfo<LoggingLevel>())
                : null;
            return;
        }

        if (request.Session is { } session)
        {
            request.ProtocolVersion = session.ProtocolVersion;
            request.ClientCapabilities = session.ClientCapabilities;
            request.LogLevel = session.LogLevel;
            return;
        }

        if (!requireSession || request.Method is "initialize" or "ping" or "server/discover")
        {
            return;
        }

        throw new McpErrorException(McpProtocol.ErrorCodes.InvalidRequest,
            "No session and no protocol version: send 'initialize' first, or put the protocol version in params._meta[\"io.modelcontextprotocol/protocolVersion\"].")
        { HttpStatus = 400 };
    }

    public static McpErrorException UnsupportedVersion(string requested) =>
        new(McpProtocol.ErrorCodes.UnsupportedProtocolVersion,
            $"Unsupported protocol version '{requested}'. Supported without a session: {string.Join(", ", McpProtocol.StatelessVersions)}; with initialize: {string.Join(", ", McpProtocol.SessionVersions)}.",
            new System.Text.Json.Nodes.JsonObject
            {
                ["supported"] = new System.Text.Json.Nodes.JsonArray([.. McpProtocol.StatelessVersions.Select(v => (System.Text.Json.Nodes.JsonNode)v)]),
                ["requested"] = requested,
            })
        { HttpStatus = 400 };

    private static T? ReadMeta<T>(McpRequest request, string key, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo)
    {
        var element = request.GetMeta(key);
        if (element.ValueKind != JsonValueKind.Object)
        {
            return default;
        }

        try
        {
            return element.Deserialize(typeInfo);
        }
        catch (JsonException e)
        {
            throw McpErrorException.InvalidParams(e.Message, $"_meta.{key}");
        }
    }

    private McpErrorException MapError(McpRequest request, Exception error, CancellationToken cancellationToken) => error switch
    {
        McpErrorException mcp => mcp,
        JsonException json => McpErrorException.InvalidParams(json.Message, json.Path is { Length: > 1 } p ? p.TrimStart('$', '.') : null),
        OperationCanceledException when cancellationToken.IsCancellationRequested =>
            new McpErrorException(McpProtocol.ErrorCodes.InternalError, "The request was cancelled."),
        _ => Unexpected(request, error),
    };

    private McpErrorException Unexpected(McpRequest request, Exception error)
    {
        LogUnexpected(error, request.Method, request.CorrelationId);
        return new McpErrorException(McpProtocol.ErrorCodes.InternalError,
            $"Internal error while handling '{request.Method}' (correlation id {request.CorrelationId}).");
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Unexpected failure handling {Method} ({CorrelationId})")]
    private partial void LogUnexpected(Exception exception, string method, string correlationId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notification {Method} failed")]
    private partial void LogNotificationFailed(Exception exception, string method);
}
