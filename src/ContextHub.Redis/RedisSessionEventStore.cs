using ContextHub.Service;
using ContextHub.Sessions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ContextHub.Redis;

/// <summary>
/// Session streams as Redis Streams (<c>{prefix}stream:{session}</c>, trimmed to about
/// <see cref="McpServerOptions.SessionStreamEvents"/> entries, expiring with the session's idle timeout). The replicas
/// that deliver one event each append it; a small hash per occurrence (<c>{prefix}occurrence:{id}</c>, one minute) makes
/// the second append return the first one's ids, so the event is in each stream once and has one id everywhere.
/// </summary>
public sealed class RedisSessionEventStore : ISessionEventStore
{
    // KEYS[1] occurrence hash, KEYS[2..] streams; ARGV[1] occurrence ttl ms, ARGV[2] max length, ARGV[3] message,
    // ARGV[4] stream ttl ms, ARGV[5..] session ids (same order as the streams)
    private const string AppendScript = """
        local ids = {}
        for i = 2, #KEYS do
          local session = ARGV[i + 3]
          local known = redis.call('HGET', KEYS[1], session)
          if known then
            ids[#ids + 1] = known
          else
            local id = redis.call('XADD', KEYS[i], 'MAXLEN', '~', ARGV[2], '*', 'm', ARGV[3])
            redis.call('PEXPIRE', KEYS[i], ARGV[4])
            redis.call('HSET', KEYS[1], session, id)
            ids[#ids + 1] = id
          end
        end
        redis.call('PEXPIRE', KEYS[1], ARGV[1])
        return ids
        """;

    private static readonly RedisValue MessageField = "m";

    private readonly RedisConnection _redis;
    private readonly int _maxLength;
    private readonly long _streamTtlMilliseconds;

    public RedisSessionEventStore(RedisConnection redis, IOptions<McpServerOptions> options)
    {
        _redis = redis;
        _maxLength = options.Value.SessionStreamEvents;
        _streamTtlMilliseconds = (long)options.Value.SessionIdleTimeout.TotalMilliseconds;
    }

    internal static string StreamKey(string sessionId) => "stream:" + sessionId;

    public async ValueTask<string[]> AppendAsync(string occurrenceId, IReadOnlyList<string> sessionIds, ReadOnlyMemory<byte> message,
        CancellationToken cancellationToken)
    {
        if (sessionIds.Count == 0)
        {
            return [];
        }

        var keys = new RedisKey[sessionIds.Count + 1];
        keys[0] = _redis.Key("occurrence:" + occurrenceId);
        var values = new RedisValue[sessionIds.Count + 4];
        values[0] = 60_000;
        values[1] = _maxLength;
        values[2] = message;
        values[3] = _streamTtlMilliseconds;
        for (var i = 0; i < sessionIds.Count; i++)
        {
            keys[i + 1] = _redis.Key(StreamKey(sessionIds[i]));
            values[i + 4] = sessionIds[i];
        }

        try
        {
            var result = await _redis.Database.ScriptEvaluateAsync(AppendScript, keys, values).WaitAsync(cancellationToken);
            return [.. ((RedisResult[])result!).Select(r => (string)r!)];
        }
        catch (Exception e) when (RedisConnection.IsUnavailable(e))
        {
            throw _redis.Unavailable("session event store", e);
        }
    }

    public async ValueTask<IReadOnlyList<SessionEvent>> ReadAfterAsync(string sessionId, string lastEventId, CancellationToken cancellationToken)
    {
        if (!SessionEventIds.TryParse(lastEventId, out _))
        {
            return [];
        }

        try
        {
            var entries = await _redis.Database.StreamRangeAsync(_redis.Key(StreamKey(sessionId)), "(" + lastEventId, "+").WaitAsync(cancellationToken);
            return [.. entries.Select(e => new SessionEvent(e.Id!, (byte[])e[MessageField]!))];
        }
        catch (Exception e) when (RedisConnection.IsUnavailable(e))
        {
            throw _redis.Unavailable("session event store", e);
        }
    }
}
