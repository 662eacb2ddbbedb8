using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using ContextHub.Server.KnowledgeBase;
using Microsoft.Extensions.Options;

namespace ContextHub.Server.Gateway.Security;

/// <summary>
/// API keys in a JSON file of the data folder, never in clear: each key is <c>chk_{id}_{secret}</c>; the file keeps the
/// id (for lookup), the SHA-256 of the whole key, a name, scopes and an optional expiry. A fast hash is right here, unlike
/// for passwords: the secret is 256 random bits, so there is nothing to guess and no dictionary to slow down; a slow
/// hash would only slow every request. Validated keys are remembered by their text, so a request pays a dictionary
/// lookup, not a hash; revoking (here, or by the command line in another process: the file is checked at most once a
/// second) removes the key from the snapshot every lookup consults, so it stops working at once.
/// </summary>
public sealed class ApiKeyStore
{
    public const string Prefix = "chk_";

    private const int MaxCachedKeys = 10_000;

    private readonly string _path;
    private readonly TimeProvider _time;
    private readonly object _writeLock = new();
    private readonly ConcurrentDictionary<string, string> _validated = new(StringComparer.Ordinal);
    private volatile Snapshot _snapshot = Snapshot.Empty;
    private long _nextFileCheck;

    public ApiKeyStore(string path, TimeProvider time)
    {
        _path = Path.GetFullPath(path);
        _time = time;
        Reload();
    }

    /// <summary>The store of the server's configuration: <c>ContextHub:Security:ApiKeys:File</c>, else <c>apikeys.json</c> in the data folder.</summary>
    public ApiKeyStore(IOptions<SecurityOptions> security, IOptions<KnowledgeServerOptions> knowledge, TimeProvider time)
        : this(security.Value.ApiKeys.File is { Length: > 0 } file ? file : Path.Combine(knowledge.Value.DataFolder, "apikeys.json"), time)
    {
    }

    public string FilePath => _path;

    public static bool LooksLikeKey(string credential) => credential.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>The entry of a valid, unexpired key; null otherwise.</summary>
    public ApiKeyEntry? Validate(string key)
    {
        RefreshIfChanged();
        var snapshot = _snapshot;
        if (_validated.TryGetValue(key, out var knownId))
        {
            return snapshot.ById.TryGetValue(knownId, out var known) && IsLive(known) ? known : null;
        }

        if (!TryParse(key, out var id) || !snapshot.ById.TryGetValue(id, out var entry) || !IsLive(entry))
        {
            return null;
        }

        if (!CryptographicOperations.FixedTimeEquals(Hash(key), Convert.FromHexString(entry.Hash)))
        {
            return null;
        }

        if (_validated.Count >= MaxCachedKeys)
        {
            _validated.Clear();
        }

        _validated[key] = id;
        return entry;
    }

    public IReadOnlyList<ApiKeyEntry> List()
    {
        RefreshIfChanged();
        return [.. _snapshot.ById.Values.OrderBy(e => e.Name, StringComparer.Ordinal)];
    }

    /// <summary>Makes a key; returns the key text (shown once, never stored) and its entry. A live key of the same name is refused.</summary>
    public (string Key, ApiKeyEntry Entry) Create(string name, IReadOnlyList<string> scopes, TimeSpan? lifetime)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 100 || name.Any(c => char.IsControl(c)))
        {
            throw new ArgumentException("A key name is 1 to 100 printable characters.");
        }

        if (lifetime is { } span && span <= TimeSpan.Zero)
        {
            throw new ArgumentException("A key's lifetime must be positive (e.g. 30d, 12h).");
        }

        lock (_writeLock)
        {
            var current = Read();
            if (current.Any(e => e.Name == name))
            {
                throw new InvalidOperationException($"A key named '{name}' exists; revoke it first or pick another name.");
            }

            var id = Convert.ToHexString(RandomNumberGenerator.GetBytes(8)).ToLowerInvariant();
            var key = Prefix + id + "_" + System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
            var now = _time.GetUtcNow();
            var entry = new ApiKeyEntry(id, name, Convert.ToHexString(Hash(key)).ToLowerInvariant(), [.. scopes.Distinct(StringComparer.Ordinal)],
                now, lifetime is { } l ? now + l : null);
            Write([.. current, entry]);
            return (key, entry);
        }
    }

    /// <summary>Removes the key named <paramref name="name"/>; false when there is none.</summary>
    public bool Revoke(string name)
    {
        lock (_writeLock)
        {
            var current = Read();
            var kept = current.Where(e => e.Name != name).ToList();
            if (kept.Count == current.Count)
            {
                return false;
            }

            Write(kept);
            return true;
        }
    }

    private bool IsLive(ApiKeyEntry entry) => entry.ExpiresAt is not { } expires || expires > _time.GetUtcNow();

    private static bool TryParse(string key, out string id)
    {
        id = "";
        if (!LooksLikeKey(key) || key.Length != Prefix.Length + 16 + 1 + 43 || key[Prefix.Length + 16] != '_')
        {
            return false;
        }

        id = key.Substring(Prefix.Length, 16);
        return true;
    }

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));


    /// <summary>Picks up changes another process made to the file (the command line), looking at most once a second.</summary>
    private void RefreshIfChanged()
    {
        var now = Environment.TickCount64;
        var next = Interlocked.Read(ref _nextFileCheck);
        if (now < next || Interlocked.CompareExchange(ref _nextFileCheck, now + 1000, next) != next)
        {
            return;
        }

        var stamp = File.Exists(_path) ? File.GetLastWriteTimeUtc(_path).Ticks ^ new FileInfo(_path).Length : 0;
        if (stamp != _snapshot.Stamp)
        {
            Reload();
        }
    }

    private void Reload()
    {
        var stamp = File.Exists(_path) ? File.GetLastWriteTimeUtc(_path).Ticks ^ new FileInfo(_path).Length : 0;
        var entries = Read();
        _snapshot = new Snapshot(entries.ToDictionary(e => e.Id, StringComparer.Ordinal), stamp);
        _validated.Clear();
    }

    private List<ApiKeyEntry> Read()
    {
        if (!File.Exists(_path))
        {
            return [];
        }

        try
        {
            using var stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return JsonSerializer.Deserialize(stream, SecurityJsonContext.Default.ApiKeyFile)?.Keys ?? [];
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"The API key file '{_path}' is not valid JSON ({e.Message}); fix or remove it.", e);
        }
    }

    private void Write(List<ApiKeyEntry> entries)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        var temporary = _path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(stream, new ApiKeyFile(entries), SecurityJsonContext.Default.ApiKeyFile);
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temporary, _path, overwrite: true);
        Reload();
    }

    private sealed record Snapshot(Dictionary<string, ApiKeyEntry> ById, long Stamp)
    {
        public static readonly Snapshot Empty = new(new Dictionary<string, ApiKeyEntry>(StringComparer.Ordinal), -1);
    }
}

/// <summary>One stored key: never the key itself, only its SHA-256.</summary>
public sealed record ApiKeyEntry(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("sha256")] string Hash,
    [property: JsonPropertyName("scopes")] IReadOnlyList<string> Scopes,
    [property: JsonPropertyName("createdAt")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("expiresAt")] DateTimeOffset? ExpiresAt)
{
    /// <summary>The scopes as a set, made once per entry (not per request).</summary>
    [JsonIgnore]
    public IReadOnlySet<string> ScopeSet => field ??= Scopes.ToHashSet(StringComparer.Ordinal);
}

public sealed record ApiKeyFile([property: JsonPropertyName("keys")] List<ApiKeyEntry> Keys);

/// <summary>What the REST door and the command line show of a key (no hash).</summary>
public sealed record ApiKeyInfo(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("scopes")] IReadOnlyList<string> Scopes,
    [property: JsonPropertyName("createdAt")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("expiresAt")] DateTimeOffset? ExpiresAt)
{
    public static ApiKeyInfo From(ApiKeyEntry entry) => new(entry.Name, entry.Id, entry.Scopes, entry.CreatedAt, entry.ExpiresAt);
}

/// <summary>A new key: the only time its text is shown.</summary>
public sealed record CreatedApiKey(
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("info")] ApiKeyInfo Info);

/// <summary>The body of <c>POST /api/v1/keys</c>.</summary>
public sealed record CreateApiKeyRequest(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("scopes")] IReadOnlyList<string>? Scopes = null,
    [property: JsonPropertyName("expires")] string? Expires = null);

public sealed record ProtectedResourceMetadata(
    [property: JsonPropertyName("resource")] string Resource,
    [property: JsonPropertyName("authorization_servers")] IReadOnlyList<string> AuthorizationServers,
    [property: JsonPropertyName("scopes_supported")] IReadOnlyList<string> ScopesSupported,
    [property: JsonPropertyName("bearer_methods_supported")] IReadOnlyList<string> BearerMethodsSupported,
    [property: JsonPropertyName("resource_name")] string ResourceName);

[JsonSourceGenerationOptions(WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ApiKeyFile))]
[JsonSerializable(typeof(ApiKeyInfo))]
[JsonSerializable(typeof(List<ApiKeyInfo>))]
[JsonSerializable(typeof(CreatedApiKey))]
[JsonSerializable(typeof(CreateApiKeyRequest))]
[JsonSerializable(typeof(ProtectedResourceMetadata))]
internal sealed partial class SecurityJsonContext : JsonSerializerContext;
