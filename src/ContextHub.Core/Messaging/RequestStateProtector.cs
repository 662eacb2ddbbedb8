using System.Buffers.Text;
using System.Security.Cryptography;
using ContextHub.Service;
using Microsoft.Extensions.Options;

namespace ContextHub.Messaging;

/// <summary>
/// Signs the opaque <c>requestState</c> of <c>input_required</c> round trips (HMAC-SHA256), so a client cannot hand
/// back answers the server never asked for. Every replica must share <see cref="McpServerOptions.StateSecret"/>.
/// </summary>
public sealed class RequestStateProtector
{
    private const int MacBytes = 16;
    private readonly byte[] _key;

    public RequestStateProtector(IOptions<McpServerOptions> options)
        : this(options.Value.StateSecret)
    {
    }

    private RequestStateProtector(string? secret) =>
        _key = string.IsNullOrEmpty(secret) ? RandomNumberGenerator.GetBytes(32) : SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret));

    /// <summary>A per-process key, for an engine used without dependency injection.</summary>
    public static RequestStateProtector Ephemeral { get; } = new((string?)null);

    public string Protect(ReadOnlySpan<byte> payload)
    {
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_key, payload, mac);
        return Base64Url.EncodeToString(payload) + "." + Base64Url.EncodeToString(mac[..MacBytes]);
    }

    /// <summary>Returns the payload, or null when the value was not issued by this key or was altered.</summary>
    public byte[]? Unprotect(string value)
    {
        var dot = value.LastIndexOf('.');
        if (dot <= 0)
        {
            return null;
        }

        try
        {
            var payload = Base64Url.DecodeFromChars(value.AsSpan(0, dot));
            var mac = Base64Url.DecodeFromChars(value.AsSpan(dot + 1));
            Span<byte> expected = stackalloc byte[32];
            HMACSHA256.HashData(_key, payload, expected);
            return mac.Length == MacBytes && CryptographicOperations.FixedTimeEquals(mac, expected[..MacBytes]) ? payload : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
