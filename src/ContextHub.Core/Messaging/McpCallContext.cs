using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using ContextHub.Protocol;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace ContextHub.Messaging;

/// <summary>
/// What a tool, resource or prompt handler may do while it runs: report progress, log to the client, and ask the
/// client for something (elicitation, sampling, roots). The handler asks once through this API; the engine uses
/// the client's revision: a request on the stream in the session revisions, an <c>input_required</c> round trip
/// (the handler runs again with the answers) in the stateless one.
/// </summary>
public sealed class McpCallContext
{
    private readonly InputRequestState _inputs;
    private int _asks;

    public McpCallContext(McpRequest request, IServiceProvider services, CancellationToken cancellationToken)
    {
        Request = request;
        Services = services;
        CancellationToken = cancellationToken;
        _inputs = InputRequestState.FromRequest(request, services.GetService(typeof(RequestStateProtector)) as RequestStateProtector ?? RequestStateProtector.Ephemeral);
        var token = request.GetMeta("progressToken");
        ProgressToken = token.ValueKind is JsonValueKind.String or JsonValueKind.Number ? token.Clone() : null;
    }

    public McpRequest Request { get; }

    public IServiceProvider Services { get; }

    public CancellationToken CancellationToken { get; }

    public JsonElement? ProgressToken { get; }

    /// <summary>Sends <c>notifications/progress</c> when the client asked for progress and the door can carry it.</summary>
    public ValueTask ReportProgressAsync(double progress, double? total = null, string? message = null)
    {
        if (ProgressToken is not { } token || Request.Channel is not { } channel)
        {
            return ValueTask.CompletedTask;
        }

        var notification = new ProgressNotice(token, progress, total, message);
        return channel.SendNotificationAsync(NotificationMethods.ProgressNotification, notification,
            CoreJsonContext.Default.ProgressNotice, CancellationToken);
    }

    /// <summary>Sends <c>notifications/message</c> when the client wants messages of this level.</summary>
    public ValueTask LogAsync(LoggingLevel level, JsonNode data, string? logger = null)
    {
        if (Request.LogLevel is not { } threshold || level < threshold || Request.Channel is not { } channel)
        {
            return ValueTask.CompletedTask;
        }

        var parameters = new LoggingMessageNotificationParams
        {
            Level = level,
            Logger = logger,
            Data = JsonSerializer.SerializeToElement(data, CoreJsonContext.Default.JsonNode),
        };
        return channel.SendNotificationAsync(NotificationMethods.LoggingMessageNotification, parameters,
            McpJson.TypeInfo<LoggingMessageNotificationParams>(), CancellationToken);
    }

    public ValueTask LogAsync(LoggingLevel level, string message, string? logger = null) =>
        LogAsync(level, JsonValue.Create(message), logger);

    public Task<ElicitResult> ElicitAsync(ElicitRequestParams parameters) =>
        AskAsync(RequestMethods.ElicitationCreate, parameters, McpJson.TypeInfo<ElicitRequestParams>(),
            McpJson.TypeInfo<ElicitResult>(), static c => c.Elicitation is not null,
            new ClientCapabilities { Elicitation = new ElicitationCapability() });

    public Task<CreateMessageResult> SampleAsync(CreateMessageRequestParams parameters) =>
        AskAsync(RequestMethods.SamplingCreateMessage, parameters, McpJson.TypeInfo<CreateMessageRequestParams>(),
            McpJson.TypeInfo<CreateMessageResult>(), static c => c.Sampling is not null,
            new ClientCapabilities { Sampling = new SamplingCapability() });

    public Task<ListRootsResult> ListRootsAsync() =>
        AskAsync(RequestMethods.RootsList, new ListRootsRequestParams(), McpJson.TypeInfo<ListRootsRequestParams>(),
            McpJson.TypeInfo<ListRootsResult>(), static c => c.Roots is not null,
            new ClientCapabilities { Roots = new RootsCapability() });

    private async Task<TResult> AskAsync<TParams, TResult>(string method, TParams parameters, JsonTypeInfo<TParams> paramsInfo,
        JsonTypeInfo<TResult> resultInfo, Func<ClientCapabilities, bool> supported, ClientCapabilities required)
        where TParams : class
    {
        if (Request.ClientCapabilities is not { } capabilities || !supported(capabilities))
        {
            throw new McpErrorException(McpProtocol.ErrorCodes.MissingRequiredClientCapability,
                $"This request needs the client capability for '{method}', which the client did not declare.",
                new JsonObject { ["requiredCapabilities"] = JsonSerializer.SerializeToNode(required, McpJson.TypeInfo<ClientCapabilities>()) });
        }

        var key = $"{method.Replace('/', '-')}-{_asks++}";
        if (Request.IsStateless)
        {
            if (_inputs.TryGetResponse(key, out var answer))
            {
                return answer.Deserialize(resultInfo) ?? throw McpErrorException.InvalidParams($"the input response '{key}' is empty", $"inputResponses.{key}");
            }

            var inputRequest = new JsonObject
            {
                ["method"] = method,
                ["params"] = JsonSerializer.SerializeToNode(parameters, paramsInfo),
            };
            throw new ClientInputRequiredException(key, inputRequest, _inputs);
        }

        var channel = Request.Channel is { CanSendRequests: true } own ? own
            : Request.Session?.StandaloneChannel is { CanSendRequests: true } standalone ? standalone
            : throw new McpErrorException(McpProtocol.ErrorCodes.InternalError,
                $"Cannot send '{method}' to the client: no open stream to it. Accept text/event-stream on the request or open the GET stream.");
        var response = await channel.SendRequestAsync(method, parameters, paramsInfo, CancellationToken);
        return response.Deserialize(resultInfo) ?? throw McpErrorException.Internal($"the client answered '{method}' with an empty result");
    }
}

/// <summary>Thrown inside a handler when the stateless revision needs the client's input before it can go on.</summary>
public sealed class ClientInputRequiredException(string key, JsonObject inputRequest, InputRequestState state) : Exception("Input required from the client.")
{
    public string Key { get; } = key;

    public JsonObject InputRequest { get; } = inputRequest;

    public InputRequestState State { get; } = state;
}

/// <summary>The progress notification's parameters, written without the SDK's converter so the token keeps its JSON type.</summary>
public sealed record ProgressNotice(
    [property: System.Text.Json.Serialization.JsonPropertyName("progressToken")] JsonElement ProgressToken,
    [property: System.Text.Json.Serialization.JsonPropertyName("progress")] double Progress,
    [property: System.Text.Json.Serialization.JsonPropertyName("total")] double? Total,
    [property: System.Text.Json.Serialization.JsonPropertyName("message")] string? Message);
