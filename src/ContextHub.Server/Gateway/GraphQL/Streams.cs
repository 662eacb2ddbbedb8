using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using ContextHub.Messaging;
using ContextHub.Protocol;
using ContextHub.Storage.PubSub;
using ModelContextProtocol.Protocol;

namespace ContextHub.Server.Gateway.GraphQL;

/// <summary>Server events from the notification bus, as a subscription's source stream (fan-out, not requests).</summary>
internal sealed class ServerEventStream(INotificationBus bus, Func<ServerEvent, bool> wanted) : IObservable<object?>
{
    public IDisposable Subscribe(IObserver<object?> observer) =>
        bus.Subscribe(serverEvent =>
        {
            if (wanted(serverEvent))
            {
                observer.OnNext(serverEvent);
            }

            return ValueTask.CompletedTask;
        });
}

/// <summary>
/// One tool call through the Message Manager, started when the subscription starts: its progress notifications come
/// back through a <see cref="ProgressChannel"/> as PROGRESS events, then the result is one RESULT event and the
/// stream completes. Unsubscribing cancels the call.
/// </summary>
internal sealed class ToolCallStream(MessageManager manager, McpCaller caller, string name, JsonNode? arguments, CancellationToken cancellationToken)
    : IObservable<object?>
{
    public IDisposable Subscribe(IObserver<object?> observer)
    {
        var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _ = RunAsync(observer, cancel.Token);
        return new Cancellation(cancel);
    }

    private async Task RunAsync(IObserver<object?> observer, CancellationToken cancellationToken)
    {
        await Task.Yield();
        var channel = new ProgressChannel(observer);
        var parameters = new JsonObject
        {
            ["name"] = name,
            ["arguments"] = arguments?.DeepClone() ?? new JsonObject(),
            ["_meta"] = new JsonObject { ["progressToken"] = "graphql-" + Guid.NewGuid().ToString("N") },
        };
        try
        {
            var result = await manager.InvokeAsync(RequestMethods.ToolsCall, parameters, caller, static r => r.ToJsonElement(), cancellationToken, channel);
            channel.Close();
            observer.OnNext(new ToolCallEvent(ToolCallEventKind.Result, Result: result));
            observer.OnCompleted();
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            // The subscriber went away: nobody is listening.
        }
        catch (McpErrorException e)
        {
            channel.Close();
            observer.OnError(new McpGraphQLError(e));
        }
        catch (Exception e)
        {
            channel.Close();
            observer.OnError(e);
        }
    }

    private sealed class Cancellation(CancellationTokenSource source) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                source.Cancel();
                source.Dispose();
            }
        }
    }
}

/// <summary>
/// The way back for a tool call made by a subscription: <c>notifications/progress</c> become PROGRESS events; other
/// notifications have no place in GraphQL and are dropped; requests to the client cannot be carried.
/// </summary>
internal sealed class ProgressChannel(IObserver<object?> observer) : IMcpChannel
{
    private volatile bool _closed;

    public bool CanSendRequests => false;

    public void Close() => _closed = true;

    public ValueTask SendNotificationAsync(string method, object? parameters, JsonTypeInfo? typeInfo, CancellationToken cancellationToken)
    {
        if (_closed || method != NotificationMethods.ProgressNotification)
        {
            return ValueTask.CompletedTask;
        }

        var progress = parameters switch
        {
            ProgressNotice notice => new ToolCallEvent(ToolCallEventKind.Progress, notice.Progress, notice.Total, notice.Message),
            not null when typeInfo is not null => Read(JsonSerializer.SerializeToElement(parameters, typeInfo)),
            _ => null,
        };
        if (progress is not null)
        {
            observer.OnNext(progress);
        }

        return ValueTask.CompletedTask;
    }

    public Task<JsonElement> SendRequestAsync(string method, object? parameters, JsonTypeInfo? typeInfo, CancellationToken cancellationToken) =>
        throw new McpErrorException(McpProtocol.ErrorCodes.InternalError,
            $"Cannot send '{method}' to the client: the GraphQL door carries no requests to the client. Use the MCP door (/mcp) for tools that ask the user.");

    private static ToolCallEvent? Read(JsonElement notice) =>
        notice.Get("progress") is { ValueKind: JsonValueKind.Number } progress
            ? new ToolCallEvent(ToolCallEventKind.Progress, progress.GetDouble(),
                notice.Get("total") is { ValueKind: JsonValueKind.Number } total ? total.GetDouble() : null, notice.Text("message"))
            : null;
}
