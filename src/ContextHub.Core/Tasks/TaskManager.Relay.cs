using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ContextHub.Messaging;
using ContextHub.Sessions;
using Microsoft.Extensions.Logging;

namespace ContextHub.Tasks;

/// <summary>
/// Requests of 2025-11-25 tasks to their client when tasks are shared between replicas. The replica running the task
/// registers the request in its copy of the session (written down in the session store, so an answer reaching any
/// replica is taken once and handed to it) and puts the JSON-RPC request in the task's record. Every replica hears the
/// record; the one holding a <c>tasks/result</c> waiting on the task, else the session's GET stream, claims the sending in
/// the task store and sends the request as it is, id and all. A claim for a <c>tasks/result</c> lapses unless renewed
/// (its replica may die, or the client drop the call), so another replica's <c>tasks/result</c> sends it again; a claim
/// for the GET stream lasts (the stream is resumable: a reconnecting client gets the request again from the event store).
/// </summary>
public sealed partial class TaskManager
{
    /// <summary><c>tasks/result</c> calls waiting on this replica, by task.</summary>
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<ResultWaiter, byte>> _waiting = new(StringComparer.Ordinal);

    /// <summary>Requests this replica sent (or is sending) for tasks, by task and key.</summary>
    private readonly ConcurrentDictionary<(string TaskId, string Key), Relay> _relays = new();

    /// <summary>Asks the client from a task whose session other replicas may hold the streams of; returns the answer.</summary>
    private async Task<JsonElement> AskThroughAnyReplicaAsync(RunningTask running, McpSession session, string method, JsonObject parameters,
        CancellationToken cancellationToken)
    {
        var (id, response) = await session.OutgoingRequests.RegisterAsync(cancellationToken);
        var key = id.ToString(CultureInfo.InvariantCulture);
        var message = TaskWire.ToElement(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = method, ["params"] = parameters.DeepClone() });
        try
        {
            // Stored, then heard by every replica (this one included), whichever holds a way to the client sends it.
            await ChangeAsync(running.TaskId, t => t with
            {
                Status = McpTaskStatus.InputRequired,
                StatusMessage = $"Waiting for the client to answer {method}.",
                InputRequests = new Dictionary<string, JsonElement>(t.InputRequests ?? new Dictionary<string, JsonElement>(), StringComparer.Ordinal) { [key] = message },
            });
            return await response;
        }
        finally
        {
            try
            {
                await ChangeAsync(running.TaskId, t => WithoutAnswered(t, [key]));
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The store is away: the task's end (or the lease) clears it.
                LogRelayFailed(e, running.TaskId);
            }
        }
    }

    /// <summary>
    /// <c>tasks/result</c> on a shared store: waits for the task's end wherever it runs, and meanwhile sends the task's
    /// requests to the client on this call's stream (unless another replica's stream has them).
    /// </summary>
    private async Task<TaskRecord> WaitRelayingAsync(McpRequest request, TaskRecord task, IMcpChannel channel, CancellationToken cancellationToken)
    {
        var waiter = new ResultWaiter(channel);
        var here = _waiting.GetOrAdd(task.TaskId, static _ => new ConcurrentDictionary<ResultWaiter, byte>());
        here[waiter] = 0;
        try
        {
            while (!task.IsTerminal)
            {
                var signal = _changeSignals.GetOrAdd(task.TaskId, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
                await RelayAsync(task, waiter, cancellationToken);
                var ended = _running.TryGetValue(task.TaskId, out var running) ? running.Done.Task : signal.Task;
                // Polls the record should a change be missed, and renews this call's claims in time.
                var poll = TimeSpan.FromMilliseconds(task.PollIntervalMs);
                var renew = _store.RenewClaimsEvery;
                await Task.WhenAny(signal.Task, ended, Task.Delay(renew > TimeSpan.Zero && renew < poll ? renew : poll, _time, cancellationToken));
                cancellationToken.ThrowIfCancellationRequested();
                task = await GetAsync(request, task.TaskId, cancellationToken);
            }

            return task;
        }
        finally
        {
            here.TryRemove(waiter, out _);
            if (here.IsEmpty)
            {
                _waiting.TryRemove(new KeyValuePair<string, ConcurrentDictionary<ResultWaiter, byte>>(task.TaskId, here));
            }

            foreach (var (id, relay) in _relays)
            {
                if (ReferenceEquals(relay.Waiter, waiter) && _relays.TryRemove(new KeyValuePair<(string, string), Relay>(id, relay)) && !task.IsTerminal)
                {
                    // The call ended before the answer: another stream may send the request now.
                    await _store.ReleaseDeliveryAsync(id.TaskId, id.Key, relay.Holder, CancellationToken.None);
                }
            }
        }
    }

    /// <summary>A record changed (here or elsewhere): send its requests if this replica holds a way to the client, forget answered ones.</summary>
    private void OnRelayable(TaskRecord task)
    {
        foreach (var (id, _) in _relays)
        {
            if (id.TaskId == task.TaskId && task.InputRequests?.ContainsKey(id.Key) != true)
            {
                _relays.TryRemove(id, out _);
            }
        }

        if (task.Status == McpTaskStatus.InputRequired && task.InputRequests is { Count: > 0 })
        {
            _ = RelayAsync(task, null, CancellationToken.None);
        }
    }

    /// <summary>
    /// Sends the task's pending requests through this replica: on <paramref name="waiter"/>'s stream, else a <c>tasks/result</c>
    /// waiting here, else the session's GET stream if it is open here. Claims each first, so one replica sends it.
    /// </summary>
    private async Task RelayAsync(TaskRecord task, ResultWaiter? waiter, CancellationToken cancellationToken)
    {
        if (task.Status != McpTaskStatus.InputRequired || task.InputRequests is not { Count: > 0 } asks)
        {
            return;
        }

        foreach (var (key, message) in asks)
        {
            var id = (task.TaskId, key);
            try
            {
                if (_relays.TryGetValue(id, out var held))
                {
                    if (!held.Durable && waiter is not null && ReferenceEquals(held.Waiter, waiter))
                    {
                        await _store.ClaimDeliveryAsync(task.TaskId, key, held.Holder, durable: false, cancellationToken); // still here
                    }

                    continue;
                }

                var via = waiter ?? (_waiting.TryGetValue(task.TaskId, out var waiters) ? waiters.Keys.FirstOrDefault() : null);
                var channel = via?.Channel;
                if (channel is null && SessionOf(task)?.StandaloneChannel is { CanSendRequests: true } stream)
                {
                    channel = stream;
                }

                if (channel is null)
                {
                    continue;
                }

                var relay = new Relay(Guid.NewGuid().ToString("N"), via, Durable: via is null);
                if (!_relays.TryAdd(id, relay))
                {
                    continue;
                }

                var claimed = false;
                var sent = false;
                try
                {
                    claimed = await _store.ClaimDeliveryAsync(task.TaskId, key, relay.Holder, relay.Durable, cancellationToken);
                    sent = claimed && await channel.RelayRequestAsync(Encoding.UTF8.GetBytes(message.GetRawText()), cancellationToken);
                }
                finally
                {
                    if (!sent)
                    {
                        _relays.TryRemove(new KeyValuePair<(string, string), Relay>(id, relay));
                        if (claimed)
                        {
                            await _store.ReleaseDeliveryAsync(task.TaskId, key, relay.Holder, CancellationToken.None);
                        }
                    }
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException && !cancellationToken.IsCancellationRequested)
            {
                // The stream closed or the store is away: another stream (or the next round) sends it.
                LogRelayFailed(e, task.TaskId);
            }
        }
    }

    private McpSession? SessionOf(TaskRecord task) =>
        task.Owner.StartsWith(SessionOwnerPrefix, StringComparison.Ordinal) ? _sessions.Find(task.Owner[SessionOwnerPrefix.Length..]) : null;

    /// <summary>One <c>tasks/result</c> call waiting here, with its stream to the client.</summary>
    private sealed class ResultWaiter(IMcpChannel channel)
    {
        public IMcpChannel Channel { get; } = channel;
    }

    /// <summary>A request this replica sent: its claim, and the call whose stream carried it (null: the session's GET stream).</summary>
    private sealed record Relay(string Holder, ResultWaiter? Waiter, bool Durable);

    [LoggerMessage(Level = LogLevel.Debug, Message = "A request of task {TaskId} to the client was not sent from this replica")]
    private partial void LogRelayFailed(Exception exception, string taskId);
}
