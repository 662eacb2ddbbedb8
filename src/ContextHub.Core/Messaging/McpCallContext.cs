using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using ContextHub.Protocol;
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
    private InputRequestState? _inputs;
    private int _asks;

    public McpCallContext(McpRequest request, IServiceProvider services, CancellationToken cancellationToken)
    {
        Request = request;
        Services = services;
        CancellationToken = cancellationToken;
        var token = request.GetMeta("progressToken");
        ProgressToken = token.ValueKind is JsonValueKind.String or JsonValueKind.Number ? token.Clone() : null;
    }

    public McpRequest Request { get; }

    /// <summary>The task this call runs as, when it runs as one (its asks then wait inside the task).</summary>
    public Tasks.RunningTask? CurrentTask { get; internal set; }

    internal Tasks.TaskManager? TaskManager { get; init; }

    /// <summary>Set when the call may still become a task: turns it into one and answers the client with it.</summary>
    internal Func<ValueTask>? Escalation { get; set; }

    /// <summary>
    /// From here on, run as a task: the client gets the task at once and the rest of the handler runs in the background.
    /// Asks made before this travel as ordinary <c>input_required</c> round trips. Does nothing when the call is already a
    /// task or the client cannot take one (the handler then simply goes on).
    /// </summary>
    public async ValueTask ContinueAsTaskAsync()
    {
        if (Interlocked.Exchange(ref _escalation, 1) == 0 && Escalation is { } escalate)
        {
            await escalate();
        }
    }

    private int _escalation;

    /// <summary>Answers from earlier rounds (stateless revision), read when the handler first asks for something.</summary>
    private InputRequestState Inputs
    {
        get
        {
            if (_inputs is null)
            {
                var protector = Services.GetService(typeof(RequestStateProtector)) as RequestStateProtector ?? RequestStateProtector.Ephemeral;
                Interlocked.CompareExchange(ref _inputs, InputRequestState.FromRequest(Request, protector), null);
            }

            return _inputs;
        }
    }

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

    /// <summary>What the client declared it can do (per request in the stateless revision, per session otherwise).</summary>
    public ClientCapabilities ClientCapabilities => Request.ClientCapabilities ?? new ClientCapabilities();

    /// <summary>Asks the user for input (<c>elicitation/create</c>). <paramref name="key"/> names the ask in a stateless round trip.</summary>
    public async Task<ElicitResult> ElicitAsync(ElicitRequestParams parameters, string? key = null) =>
        Read(await RequestInputAsync(RequestMethods.ElicitationCreate, JsonSerializer.SerializeToNode(parameters, McpJson.TypeInfo<ElicitRequestParams>())!.AsObject(), key),
            McpJson.TypeInfo<ElicitResult>(), RequestMethods.ElicitationCreate);

    /// <summary>Asks the client's model for a completion (<c>sampling/createMessage</c>).</summary>
    public async Task<CreateMessageResult> SampleAsync(CreateMessageRequestParams parameters, string? key = null) =>
        Read(await RequestInputAsync(RequestMethods.SamplingCreateMessage, JsonSerializer.SerializeToNode(parameters, McpJson.TypeInfo<CreateMessageRequestParams>())!.AsObject(), key),
            McpJson.TypeInfo<CreateMessageResult>(), RequestMethods.SamplingCreateMessage);

    /// <summary>Asks the client for its roots (<c>roots/list</c>).</summary>
    public async Task<ListRootsResult> ListRootsAsync(string? key = null) =>
        Read(await RequestInputAsync(RequestMethods.RootsList, [], key), McpJson.TypeInfo<ListRootsResult>(), RequestMethods.RootsList);

    /// <summary>
    /// Sends one request to the client (<c>elicitation/create</c>, <c>sampling/createMessage</c> or <c>roots/list</c>) and
    /// returns its answer. Asks started together (<c>Task.WhenAll</c>) travel in one <c>input_required</c> round trip.
    /// </summary>
    public async Task<JsonElement> RequestInputAsync(string method, JsonObject parameters, string? key = null)
    {
        var (supported, required) = method switch
        {
            RequestMethods.ElicitationCreate => (ClientCapabilities.Elicitation is not null, new JsonObject { ["elicitation"] = new JsonObject() }),
            RequestMethods.SamplingCreateMessage => (ClientCapabilities.Sampling is not null, new JsonObject { ["sampling"] = new JsonObject() }),
            RequestMethods.RootsList => (ClientCapabilities.Roots is not null, new JsonObject { ["roots"] = new JsonObject() }),
            _ => throw new ArgumentException($"'{method}' is not a request a server may send to a client.", nameof(method)),
        };
        if (!supported)
        {
            throw new McpErrorException(McpProtocol.ErrorCodes.MissingRequiredClientCapability,
                $"This request needs the client capability for '{method}', which the client did not declare.",
                new JsonObject { ["requiredCapabilities"] = required });
        }

        if (CurrentTask is { } task && TaskManager is { } tasks)
        {
            return await tasks.RequestInputAsync(task, method, parameters, key ?? task.NextKey(method), CancellationToken);
        }

        key ??= $"{method.Replace('/', '-')}-{Interlocked.Increment(ref _asks)}";
        if (Request.IsStateless)
        {
            var inputs = Inputs;
            if (inputs.TryGetResponse(key, out var answer))
            {
                return answer;
            }

            inputs.AddPending(key, new JsonObject { ["method"] = method, ["params"] = parameters });
            throw new ClientInputRequiredException(inputs);
        }

        var channel = Request.Channel is { CanSendRequests: true } own ? own
            : Request.Session?.StandaloneChannel is { CanSendRequests: true } standalone ? standalone
            : throw new McpErrorException(McpProtocol.ErrorCodes.InternalError,
                $"Cannot send '{method}' to the client: no open stream to it. Accept text/event-stream on the request or open the GET stream.");
        return await channel.SendRequestAsync(method, parameters, CoreJsonContext.Default.JsonObject, CancellationToken);
    }

    private static T Read<T>(JsonElement answer, JsonTypeInfo<T> typeInfo, string method)
    {
        try
        {
            return answer.Deserialize(typeInfo) ?? throw McpErrorException.InvalidParams($"the answer to '{method}' is empty", "inputResponses");
        }
        catch (JsonException e)
        {
            throw McpErrorException.InvalidParams($"the answer to '{method}' does not fit its result type: {e.Message}", "inputResponses");
        }
    }
}

/// <summary>Thrown inside a handler when the stateless revision needs the client's input before it can go on.</summary>
public sealed class ClientInputRequiredException(InputRequestState state) : Exception("Input required from the client.")
{
    /// <summary>Every ask still unanswered, and the answers so far.</summary>
    public InputRequestState State { get; } = state;
}

/// <summary>The progress notification's parameters, written without the SDK's converter so the token keeps its JSON type.</summary>
public sealed record ProgressNotice(
    [property: System.Text.Json.Serialization.JsonPropertyName("progressToken")] JsonElement ProgressToken,
    [property: System.Text.Json.Serialization.JsonPropertyName("progress")] double Progress,
    [property: System.Text.Json.Serialization.JsonPropertyName("total")] double? Total,
    [property: System.Text.Json.Serialization.JsonPropertyName("message")] string? Message);
