using System.Text.Json;
using ContextHub.Protocol;
using ContextHub.Sessions;
using ModelContextProtocol.Protocol;
using StackExchange.Redis;

namespace ContextHub.Redis;

/// <summary>
/// Sessions as Redis hashes (<c>{prefix}session:{id}</c>): one field per negotiated value and one per resource
/// subscription, so concurrent changes from two replicas never overwrite each other. Every use restarts the idle
/// timeout (<c>PEXPIRE</c>); a change or an end is published on the backplane in the same script, so replicas holding
/// the session's stream apply it in order.
/// </summary>
public sealed class RedisSessionStore : ISessionStore
{
    private const string SubscriptionPrefix = "s:";

    // KEYS[1] session, ARGV: idle ms, channel, message, op ('set'|'del'), field, value
    private const string UpdateScript = """
        if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
        if ARGV[4] == 'set' then redis.call('HSET', KEYS[1], ARGV[5], ARGV[6]) else redis.call('HDEL', KEYS[1], ARGV[5]) end
        redis.call('PEXPIRE', KEYS[1], ARGV[1])
        redis.call('PUBLISH', ARGV[2], ARGV[3])
        return 1
        """;

    // KEYS[1] session, KEYS[2] its event stream; ARGV: channel, message
    private const string RemoveScript = """
        redis.call('DEL', KEYS[2])
        local removed = redis.call('DEL', KEYS[1])
        if removed == 1 then redis.call('PUBLISH', ARGV[1], ARGV[2]) end
        return removed
        """;

    /// <summary>Fields of requests the server awaits the client's answer to (<c>a:{id}</c>), expiring with the session.</summary>
    private const string AwaitedPrefix = "a:";

    // KEYS[1] session; ARGV: field
    private const string ExpectScript = """
        if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
        redis.call('HSET', KEYS[1], ARGV[1], '1')
        return 1
        """;

    // KEYS[1] session; ARGV: field, channel, message ('' when the caller awaits the answer itself)
    private const string TakeScript = """
        if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
        if ARGV[3] ~= '' then redis.call('PUBLISH', ARGV[2], ARGV[3]) end
        return 1
        """;

    private readonly RedisConnection _redis;
    private readonly RedisBackplane _backplane;
    private readonly TimeSpan _idleTimeout;

    public RedisSessionStore(RedisConnection redis, RedisBackplane backplane, Microsoft.Extensions.Options.IOptions<Service.McpServerOptions> options)
    {
        _redis = redis;
        _backplane = backplane;
        _idleTimeout = options.Value.SessionIdleTimeout;
    }

    public bool IsShared => true;

    public long Epoch => _backplane.Epoch;

    private RedisKey Key(string id) => _redis.Key("session:" + id);

    public async ValueTask CreateAsync(SessionState state, CancellationToken cancellationToken)
    {
        var fields = new List<HashEntry>
        {
            new("v", state.ProtocolVersion),
            new("lvl", state.LogLevel.ToString()),
            new("init", state.Initialized ? "1" : "0"),
        };
        if (state.ClientCapabilities is not null)
        {
            fields.Add(new("caps", JsonSerializer.Serialize(state.ClientCapabilities, McpJson.TypeInfo<ClientCapabilities>())));
        }

        if (state.ClientInfo is not null)
        {
            fields.Add(new("info", JsonSerializer.Serialize(state.ClientInfo, McpJson.TypeInfo<Implementation>())));
        }

        if (state.Owner is not null)
        {
            fields.Add(new("owner", state.Owner));
        }

        fields.AddRange(state.ResourceSubscriptions.Select(uri => new HashEntry(SubscriptionPrefix + uri, "1")));
        try
        {
            var transaction = _redis.Database.CreateTransaction();
            _ = transaction.HashSetAsync(Key(state.Id), [.. fields]);
            _ = transaction.KeyExpireAsync(Key(state.Id), _idleTimeout);
            await transaction.ExecuteAsync().WaitAsync(cancellationToken);
        }
        catch (Exception e) when (RedisConnection.IsUnavailable(e))
        {
            throw _redis.Unavailable("session store", e);
        }
    }

    public async ValueTask<SessionState?> TouchAsync(string id, CancellationToken cancellationToken)
    {
        HashEntry[] entries;
        try
        {
            var batch = _redis.Database.CreateBatch();
            var read = batch.HashGetAllAsync(Key(id));
            _ = batch.KeyExpireAsync(Key(id), _idleTimeout);
            batch.Execute();
            entries = await read.WaitAsync(cancellationToken);
        }
        catch (Exception e) when (RedisConnection.IsUnavailable(e))
        {
            throw _redis.Unavailable("session store", e);
        }

        return entries.Length == 0 ? null : Read(id, entries);
    }

    private static SessionState? Read(string id, HashEntry[] entries)
    {
        string? version = null, capabilities = null, info = null, owner = null;
        var level = LoggingLevel.Debug;
        var initialized = false;
        var subscriptions = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            var name = (string)entry.Name!;
            switch (name)
            {
                case "v": version = entry.Value; break;
                case "caps": capabilities = entry.Value; break;
                case "info": info = entry.Value; break;
                case "owner": owner = entry.Value; break;
                case "init": initialized = entry.Value == "1"; break;
                case "lvl": _ = Enum.TryParse((string?)entry.Value, out level); break;
                default:
                    if (name.StartsWith(SubscriptionPrefix, StringComparison.Ordinal))
                    {
                        subscriptions.Add(name[SubscriptionPrefix.Length..]);
                    }

                    break;
            }
        }

        if (version is null)
        {
            return null; // a hash without its version is not a session (written by something else, or half gone)
        }

        return new SessionState
        {
            Id = id,
            ProtocolVersion = version,
            ClientCapabilities = capabilities is null ? null : JsonSerializer.Deserialize(capabilities, McpJson.TypeInfo<ClientCapabilities>()),
            ClientInfo = info is null ? null : JsonSerializer.Deserialize(info, McpJson.TypeInfo<Implementation>()),
            LogLevel = level,
            Initialized = initialized,
            Owner = owner,
            ResourceSubscriptions = subscriptions,
        };
    }

    public async ValueTask UpdateAsync(SessionUpdate update, CancellationToken cancellationToken)
    {
        if (update.Kind == SessionUpdateKind.Answered)
        {
            // Only the replica that asked needs it, and only now: published, not stored.
            try
            {
                await _redis.Database.PublishAsync(_backplane.ChannelName, _backplane.Serialize(update)).WaitAsync(cancellationToken);
                return;
            }
            catch (Exception e) when (RedisConnection.IsUnavailable(e))
            {
                throw _redis.Unavailable("session store", e);
            }
        }

        var (op, field, value) = update.Kind switch
        {
            SessionUpdateKind.Subscribed => ("set", SubscriptionPrefix + update.Value, "1"),
            SessionUpdateKind.Unsubscribed => ("del", SubscriptionPrefix + update.Value, ""),
            SessionUpdateKind.LogLevel => ("set", "lvl", update.Value ?? nameof(LoggingLevel.Debug)),
            SessionUpdateKind.Initialized => ("set", "init", "1"),
            _ => throw new ArgumentException($"'{update.Kind}' is not a change to store; end a session with RemoveAsync.", nameof(update)),
        };
        try
        {
            await _redis.Database.ScriptEvaluateAsync(UpdateScript, [Key(update.SessionId)],
                [(long)_idleTimeout.TotalMilliseconds, _backplane.ChannelName.ToString(), _backplane.Serialize(update), op, field, value])
                .WaitAsync(cancellationToken);
        }
        catch (Exception e) when (RedisConnection.IsUnavailable(e))
        {
            throw _redis.Unavailable("session store", e);
        }
    }

    public async ValueTask<bool> RemoveAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            var removed = await _redis.Database.ScriptEvaluateAsync(RemoveScript, [Key(id), _redis.Key(RedisSessionEventStore.StreamKey(id))],
                [_backplane.ChannelName.ToString(), _backplane.Serialize(new SessionUpdate(id, SessionUpdateKind.Ended))])
                .WaitAsync(cancellationToken);
            return (long)removed == 1;
        }
        catch (Exception e) when (RedisConnection.IsUnavailable(e))
        {
            throw _redis.Unavailable("session store", e);
        }
    }

    public IDisposable WatchChanges(Func<SessionUpdate, ValueTask> handler) => _backplane.OnSessionChange(handler);

    public async ValueTask ExpectAnswerAsync(string sessionId, long requestId, CancellationToken cancellationToken)
    {
        try
        {
            await _redis.Database.ScriptEvaluateAsync(ExpectScript, [Key(sessionId)], [AwaitedPrefix + requestId]).WaitAsync(cancellationToken);
        }
        catch (Exception e) when (RedisConnection.IsUnavailable(e))
        {
            throw _redis.Unavailable("session store", e);
        }
    }

    public void ForgetAnswer(string sessionId, long requestId)
    {
        try
        {
            _redis.Database.HashDelete(Key(sessionId), AwaitedPrefix + requestId, CommandFlags.FireAndForget);
        }
        catch (Exception e) when (RedisConnection.IsUnavailable(e))
        {
            // Redis is away: the field goes with the session.
        }
    }

    public async ValueTask<bool> TakeAnswerAsync(string sessionId, long requestId, string? response, CancellationToken cancellationToken)
    {
        var message = response is null ? "" : _backplane.Serialize(new SessionUpdate(sessionId, SessionUpdateKind.Answered, response));
        try
        {
            var taken = await _redis.Database.ScriptEvaluateAsync(TakeScript, [Key(sessionId)],
                [AwaitedPrefix + requestId, _backplane.ChannelName.ToString(), message]).WaitAsync(cancellationToken);
            return (long)taken == 1;
        }
        catch (Exception e) when (RedisConnection.IsUnavailable(e))
        {
            throw _redis.Unavailable("session store", e);
        }
    }
}
