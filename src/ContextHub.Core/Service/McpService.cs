using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Nodes;
using ContextHub.Messaging;
using ContextHub.Prompts;
using ContextHub.Protocol;
using ContextHub.Resources;
using ContextHub.Sessions;
using ContextHub.Tools;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Protocol;

namespace ContextHub.Service;

/// <summary>
/// The MCP Service: one handler per method, each a thin call into the Tool, Resource or Prompt Manager.
/// Also the capabilities and the server's identity.
/// </summary>
public sealed class McpService
{
    private delegate ValueTask<McpResult> Handler(McpRequest request, CancellationToken cancellationToken);

    private readonly FrozenDictionary<string, Handler> _handlers;
    private readonly ToolManager _tools;
    private readonly ResourceManager _resources;
    private readonly PromptManager _prompts;
    private readonly SessionManager _sessions;
    private readonly NotificationHub _notifications;
    private readonly IServiceProvider _services;
    private readonly McpServerOptions _options;
    private readonly Tasks.TaskService _tasks;
    private readonly IMcpAccessPolicy? _access;

    /// <summary>Shared, never mutated: <c>_meta</c> naming the server on stateless results.</summary>
    private readonly JsonObject _serverInfoMeta;

    public McpService(ToolManager tools, ResourceManager resources, PromptManager prompts, SessionManager sessions,
        NotificationHub notifications, IServiceProvider services, IOptions<McpServerOptions> options, Tasks.TaskService tasks)
    {
        _tasks = tasks;
        _tools = tools;
        _resources = resources;
        _prompts = prompts;
        _sessions = sessions;
        _notifications = notifications;
        _services = services;
        _options = options.Value;
        _access = services.GetService(typeof(IMcpAccessPolicy)) as IMcpAccessPolicy;
        ServerInfo = new Implementation { Name = _options.Name, Title = _options.Title, Version = _options.Version };
        _serverInfoMeta = new JsonObject
        {
            [McpProtocol.Meta.ServerInfo] = new JsonObject { ["name"] = ServerInfo.Name, ["version"] = ServerInfo.Version },
        };
        Capabilities = new ServerCapabilities
        {
            Tools = new ToolsCapability { ListChanged = true },
            Resources = new ResourcesCapability { Subscribe = true, ListChanged = true },
            Prompts = new PromptsCapability { ListChanged = true },
            Logging = new LoggingCapability(),
            Completions = new CompletionsCapability(),
        };
        _discoverCapabilities = JsonSerializer.SerializeToNode(Capabilities, McpJson.TypeInfo<ServerCapabilities>())!.AsObject();
        _discoverCapabilities["extensions"] = new JsonObject { [Tasks.TaskWire.ExtensionId] = new JsonObject() };
        _sessionCapabilities = JsonSerializer.SerializeToNode(Capabilities, McpJson.TypeInfo<ServerCapabilities>())!.AsObject();
        _sessionCapabilities["tasks"] = new JsonObject
        {
            ["list"] = new JsonObject(),
            ["cancel"] = new JsonObject(),
            ["requests"] = new JsonObject { ["tools"] = new JsonObject { ["call"] = new JsonObject() } },
        };
        _handlers = new Dictionary<string, Handler>(StringComparer.Ordinal)
        {
            [RequestMethods.Initialize] = InitializeAsync,
            [RequestMethods.ServerDiscover] = DiscoverAsync,
            [RequestMethods.Ping] = PingAsync,
            [RequestMethods.ToolsList] = ListToolsAsync,
            [RequestMethods.ToolsCall] = CallToolAsync,
            [RequestMethods.ResourcesList] = ListResourcesAsync,
            [RequestMethods.ResourcesTemplatesList] = ListResourceTemplatesAsync,
            [RequestMethods.ResourcesRead] = ReadResourceAsync,
            [RequestMethods.ResourcesSubscribe] = SubscribeAsync,
            [RequestMethods.ResourcesUnsubscribe] = UnsubscribeAsync,
            [RequestMethods.PromptsList] = ListPromptsAsync,
            [RequestMethods.PromptsGet] = GetPromptAsync,
            [RequestMethods.CompletionComplete] = CompleteAsync,
            [RequestMethods.LoggingSetLevel] = SetLevelAsync,
            [RequestMethods.SubscriptionsListen] = ListenAsync,
            ["tasks/get"] = (r, c) => JsonAsync(_tasks.GetAsync(r, c)),
            ["tasks/update"] = (r, c) => JsonAsync(_tasks.UpdateAsync(r, c)),
            ["tasks/cancel"] = (r, c) => JsonAsync(_tasks.CancelAsync(r, c)),
            ["tasks/result"] = (r, c) => JsonAsync(_tasks.ResultAsync(r, c)),
            ["tasks/list"] = (r, c) => JsonAsync(_tasks.ListAsync(r, c)),
        }.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public Implementation ServerInfo { get; }

    /// <summary>Capabilities as <c>server/discover</c> says them (with the 2026-07-28 extensions) and as <c>initialize</c> says them (with 2025-11-25 tasks).</summary>
    private readonly JsonObject _discoverCapabilities;
    private readonly JsonObject _sessionCapabilities;

    public ServerCapabilities Capabilities { get; }

    internal ToolManager Tools => _tools;

    internal ResourceManager Resources => _resources;

    internal PromptManager Prompts => _prompts;

    internal SessionManager Sessions => _sessions;

    internal async ValueTask<McpResult> DispatchAsync(McpRequest request, CancellationToken cancellationToken)
    {
        if (!_handlers.TryGetValue(request.Method, out var handler) || !AvailableIn(request))
        {
            throw McpErrorException.MethodNotFound(request.Method);
        }

        var tracked = request.Session is { } session && request.Id.ValueKind != JsonValueKind.Undefined;
        using var cancellation = tracked ? request.Session!.TrackRequest(request.IdText, cancellationToken) : null;
        try
        {
            var result = await handler(request, cancellation?.Token ?? cancellationToken);
            if (request.IsStateless && result.Value is Result stateless)
            {
                // From 2026-07-28 every result says whether it is final, and names the server.
                stateless.ResultType ??= "complete";
                stateless.Meta ??= _serverInfoMeta;
            }
            else if (request.IsStateless && result.Value is JsonObject raw)
            {
                raw["resultType"] ??= "complete";
                raw["_meta"] ??= _serverInfoMeta.DeepClone();
            }

            return result;
        }
        catch (ClientInputRequiredException signal) when (request.Method is RequestMethods.ToolsCall or RequestMethods.PromptsGet or RequestMethods.ResourcesRead)
        {
            var inputRequired = signal.State.ToResult();
            inputRequired["_meta"] = _serverInfoMeta.DeepClone();
            return McpResult.Of(inputRequired, McpJson.TypeInfo<JsonObject>());
        }
        finally
        {
            if (tracked)
            {
                request.Session!.UntrackRequest(request.IdText);
            }
        }
    }

    /// <summary>Methods of one era are unknown in the other.</summary>
    private static bool AvailableIn(McpRequest request) => request.Method switch
    {
        RequestMethods.LoggingSetLevel or RequestMethods.ResourcesSubscribe or RequestMethods.ResourcesUnsubscribe
            or RequestMethods.Initialize or RequestMethods.Ping => !request.IsStateless,
        RequestMethods.SubscriptionsListen or "tasks/update" => request.IsStateless,
        "tasks/result" => !request.IsStateless,
        "tasks/list" => !request.IsStateless || request.DoorFeatures.HasFlag(McpDoorFeatures.StatelessTaskList),
        _ => true,
    };

    internal ValueTask HandleNotificationAsync(McpRequest notification, CancellationToken cancellationToken)
    {
        switch (notification.Method)
        {
            case NotificationMethods.InitializedNotification when notification.Session is { } session:
                return _sessions.MarkInitializedAsync(session, cancellationToken);
            case NotificationMethods.CancelledNotification when notification.Session is { } session
                && notification.Params.ValueKind == JsonValueKind.Object
                && notification.Params.TryGetProperty("requestId"u8, out var id):
                session.CancelRequest(id.ValueKind == JsonValueKind.String ? id.GetString()! : id.GetRawText());
                break;
        }

        return ValueTask.CompletedTask;
    }

    private async ValueTask<McpResult> InitializeAsync(McpRequest request, CancellationToken cancellationToken)
    {
        var parameters = Params(request, McpJson.TypeInfo<InitializeRequestParams>())
            ?? throw McpErrorException.InvalidParams("initialize needs params with protocolVersion, capabilities and clientInfo");
        if (string.IsNullOrEmpty(parameters.ProtocolVersion))
        {
            throw McpErrorException.InvalidParams("protocolVersion is required", "protocolVersion");
        }

        // Offer the client's version when it is one of ours, else the newest session revision (the client decides).
        var version = Array.IndexOf(McpProtocol.SessionVersions, parameters.ProtocolVersion) >= 0
            ? parameters.ProtocolVersion
            : McpProtocol.SessionVersions[0];
        if (request.Session is null)
        {
            // Only Streamable HTTP sessions outlive a connection, so only they go to the shared store.
            request.Session = await _sessions.CreateAsync(version, parameters.Capabilities, parameters.ClientInfo,
                shared: request.Caller.Transport == McpTransportKind.StreamableHttp, owner: request.Caller.Identity,
                cancellationToken: cancellationToken);
        }

        request.ProtocolVersion = version;
        var result = JsonSerializer.SerializeToNode(new InitializeResult
        {
            ProtocolVersion = version,
            Capabilities = Capabilities,
            ServerInfo = ServerInfo,
            Instructions = _options.Instructions,
        }, McpJson.TypeInfo<InitializeResult>())!.AsObject();
        if (version == McpProtocol.Revision20251125)
        {
            result["capabilities"] = _sessionCapabilities.DeepClone();
        }

        return McpResult.Of(result, McpJson.TypeInfo<JsonObject>());
    }

    private ValueTask<McpResult> DiscoverAsync(McpRequest request, CancellationToken cancellationToken)
    {
        var result = JsonSerializer.SerializeToNode(new DiscoverResult
        {
            SupportedVersions = [.. McpProtocol.StatelessVersions],
            Capabilities = Capabilities,
            Instructions = _options.Instructions,
            TimeToLive = TimeSpan.Zero,
            CacheScope = CacheScope.Public,
            Meta = new JsonObject
            {
                [McpProtocol.Meta.ServerInfo] = JsonSerializer.SerializeToNode(ServerInfo, McpJson.TypeInfo<Implementation>()),
                // The revisions served with initialize (supportedVersions lists the stateless ones only): the console shows them.
                ["dev.contexthub/sessionVersions"] = new JsonArray([.. McpProtocol.SessionVersions.Select(v => (JsonNode)v)]),
            },
        }, McpJson.TypeInfo<DiscoverResult>())!.AsObject();
        result["capabilities"] = _discoverCapabilities.DeepClone();
        return DoneAsync(result);
    }

    private static ValueTask<McpResult> PingAsync(McpRequest request, CancellationToken cancellationToken) => DoneAsync(new EmptyResult());

    private ValueTask<McpResult> ListToolsAsync(McpRequest request, CancellationToken cancellationToken)
    {
        var caller = request.Caller;
        var result = _tools.List(Pagination.ReadCursor(request.Params), _access is { } access ? name => access.CanUseTool(caller, name) : null);

        if (request.IsStateless)
        {
            result.TimeToLive = TimeSpan.Zero;
            result.CacheScope = CacheScope.Public;
        }

        return DoneAsync(_tasks.Decorate(result));
    }

    private async ValueTask<McpResult> CallToolAsync(McpRequest request, CancellationToken cancellationToken)
    {
        var name = RequiredString(request.Params, "name");
        request.Params.TryGetProperty("arguments"u8, out var arguments);
        if (await _tasks.TryCallAsTaskAsync(request, name, arguments, cancellationToken) is { } task)
        {
            return McpResult.Of(task, McpJson.TypeInfo<JsonObject>());
        }

        var result = await _tools.CallAsync(request, _services, name, arguments, cancellationToken);
        if (result.StructuredContent is not null && !McpProtocol.HasStructuredContent(request.ProtocolVersion) && !request.IsStateless
            && request.ProtocolVersion.Length > 0)
        {
            result.StructuredContent = null;
        }

        return McpResult.Of(result, McpJson.TypeInfo<CallToolResult>());
    }

    private async ValueTask<McpResult> ListResourcesAsync(McpRequest request, CancellationToken cancellationToken)
    {
        var caller = request.Caller;
        var result = await _resources.ListAsync(Pagination.ReadCursor(request.Params),
            _access is { } access ? uri => access.CanReadResource(caller, uri) : null, cancellationToken);

        if (request.IsStateless)
        {
            result.TimeToLive = TimeSpan.Zero;
            result.CacheScope = CacheScope.Public;
        }

        return McpResult.Of(result, McpJson.TypeInfo<ListResourcesResult>());
    }

    private ValueTask<McpResult> ListResourceTemplatesAsync(McpRequest request, CancellationToken cancellationToken)
    {
        var caller = request.Caller;
        var result = _resources.ListTemplates(Pagination.ReadCursor(request.Params),
            _access is { } access ? template => access.CanReadResource(caller, template) : null);

        if (request.IsStateless)
        {
            result.TimeToLive = TimeSpan.Zero;
            result.CacheScope = CacheScope.Public;
        }

        return DoneAsync(result);
    }

    private async ValueTask<McpResult> ReadResourceAsync(McpRequest request, CancellationToken cancellationToken)
    {
        var uri = RequiredString(request.Params, "uri");
        var result = await _resources.ReadAsync(new McpCallContext(request, _services, cancellationToken), uri);
        if (request.IsStateless)
        {
            result.TimeToLive ??= TimeSpan.Zero;
            result.CacheScope ??= CacheScope.Public;
        }

        return McpResult.Of(result, McpJson.TypeInfo<ReadResourceResult>());
    }

    private async ValueTask<McpResult> SubscribeAsync(McpRequest request, CancellationToken cancellationToken)
    {
        var uri = RequiredString(request.Params, "uri");
        await _sessions.SubscribeAsync(request.Session!, uri, cancellationToken);
        return McpResult.Of(new EmptyResult(), McpJson.TypeInfo<EmptyResult>());
    }

    private async ValueTask<McpResult> UnsubscribeAsync(McpRequest request, CancellationToken cancellationToken)
    {
        var uri = RequiredString(request.Params, "uri");
        await _sessions.UnsubscribeAsync(request.Session!, uri, cancellationToken);
        return McpResult.Of(new EmptyResult(), McpJson.TypeInfo<EmptyResult>());
    }

    private ValueTask<McpResult> ListPromptsAsync(McpRequest request, CancellationToken cancellationToken)
    {
        var caller = request.Caller;
        var result = _prompts.List(Pagination.ReadCursor(request.Params), _access is { } access ? name => access.CanUsePrompt(caller, name) : null);

        if (request.IsStateless)
        {
            result.TimeToLive = TimeSpan.Zero;
            result.CacheScope = CacheScope.Public;
        }

        return DoneAsync(result);
    }

    private async ValueTask<McpResult> GetPromptAsync(McpRequest request, CancellationToken cancellationToken)
    {
        var name = RequiredString(request.Params, "name");
        var arguments = new Dictionary<string, string>(StringComparer.Ordinal);
        if (request.Params.TryGetProperty("arguments"u8, out var args) && args.ValueKind != JsonValueKind.Null)
        {
            if (args.ValueKind != JsonValueKind.Object)
            {
                throw McpErrorException.InvalidParams("arguments must be an object of strings", "arguments");
            }

            foreach (var arg in args.EnumerateObject())
            {
                arguments[arg.Name] = arg.Value.ValueKind == JsonValueKind.String ? arg.Value.GetString()!
                    : arg.Value.ValueKind == JsonValueKind.Null ? throw McpErrorException.InvalidParams("must be a string", $"arguments.{arg.Name}")
                    : arg.Value.GetRawText();
            }
        }

        var result = await _prompts.GetAsync(new McpCallContext(request, _services, cancellationToken), name, arguments);
        return McpResult.Of(result, McpJson.TypeInfo<GetPromptResult>());
    }

    private async ValueTask<McpResult> CompleteAsync(McpRequest request, CancellationToken cancellationToken)
    {
        var parameters = Params(request, McpJson.TypeInfo<CompleteRequestParams>())
            ?? throw McpErrorException.InvalidParams("completion/complete needs ref and argument");
        if (parameters.Ref is null || parameters.Argument is null)
        {
            throw McpErrorException.InvalidParams("ref and argument are required", parameters.Ref is null ? "ref" : "argument");
        }

        var context = parameters.Context?.Arguments ?? new Dictionary<string, string>();
        Completion completion = parameters.Ref switch
        {
            PromptReference prompt => await _prompts.CompleteAsync(prompt.Name, parameters.Argument.Name, parameters.Argument.Value, context, cancellationToken),
            ResourceTemplateReference template => await _resources.CompleteAsync(template.Uri ?? "", parameters.Argument.Name, parameters.Argument.Value, context, cancellationToken),
            _ => throw McpErrorException.InvalidParams("ref.type must be 'ref/prompt' or 'ref/resource'", "ref.type"),
        };
        return McpResult.Of(new CompleteResult { Completion = completion }, McpJson.TypeInfo<CompleteResult>());
    }

    private async ValueTask<McpResult> SetLevelAsync(McpRequest request, CancellationToken cancellationToken)
    {
        var parameters = Params(request, McpJson.TypeInfo<SetLevelRequestParams>())
            ?? throw McpErrorException.InvalidParams("level is required", "level");
        await _sessions.SetLogLevelAsync(request.Session!, parameters.Level, cancellationToken);
        return McpResult.Of(new EmptyResult(), McpJson.TypeInfo<EmptyResult>());
    }

    private async ValueTask<McpResult> ListenAsync(McpRequest request, CancellationToken cancellationToken)
    {
        var parameters = Params(request, McpJson.TypeInfo<SubscriptionsListenRequestParams>());
        if (request.Channel is null)
        {
            throw new McpErrorException(McpProtocol.ErrorCodes.InvalidRequest,
                "subscriptions/listen needs a stream back to the client: accept text/event-stream.");
        }

        await _notifications.ListenAsync(request, parameters?.Notifications ?? new SubscriptionsListenNotifications(), cancellationToken);
        return McpResult.Of(new EmptyResult(), McpJson.TypeInfo<EmptyResult>());
    }

    private static T? Params<T>(McpRequest request, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo) =>
        request.Params.ValueKind == JsonValueKind.Object ? request.Params.Deserialize(typeInfo) : default;

    private static string RequiredString(JsonElement parameters, string name)
    {
        if (parameters.ValueKind == JsonValueKind.Object && parameters.TryGetProperty(name, out var value))
        {
            return value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
                ? text
                : throw McpErrorException.InvalidParams("must be a non-empty string", name);
        }

        throw McpErrorException.InvalidParams("is required", name);
    }

    private static async ValueTask<McpResult> JsonAsync(ValueTask<JsonObject> result) => McpResult.Of(await result, McpJson.TypeInfo<JsonObject>());

    private static ValueTask<McpResult> DoneAsync<T>(T value) where T : class =>
        ValueTask.FromResult(McpResult.Of(value, McpJson.TypeInfo<T>()));
}
