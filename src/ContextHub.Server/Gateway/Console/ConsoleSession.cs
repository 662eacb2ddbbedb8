using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace ContextHub.Server.Gateway.WebConsole;

/// <summary>
/// A console sign-in: the credential the person pasted and an anti-forgery token, sealed with ASP.NET Core Data
/// Protection in one HttpOnly, SameSite=Strict cookie. The token is also in a readable cookie so the console's
/// scripts can echo it in <see cref="CsrfHeader"/>; the server compares the header with the sealed copy, so a
/// cookie planted by another site cannot pass.
/// </summary>
public sealed class ConsoleSession(IDataProtectionProvider protection, IOptions<ConsoleOptions> options, TimeProvider time)
{
    public const string CookieName = "contexthub-session";

    public const string CsrfCookieName = "contexthub-csrf";

    public const string CsrfHeader = "X-CSRF-Token";

    private readonly ITimeLimitedDataProtector _protector =
        protection.CreateProtector("ContextHub.Console.Session.v1").ToTimeLimitedDataProtector();

    /// <summary>Seals a new session for <paramref name="credential"/> into the response's cookies.</summary>
    public void SignIn(HttpContext context, string credential) => Seal(context, credential, null);

    /// <summary>Seals a new session for a person signed in through the identity provider into the response's cookies.</summary>
    public void SignIn(HttpContext context, ConsolePerson person) => Seal(context, null, person);

    private void Seal(HttpContext context, string? credential, ConsolePerson? person)
    {
        var token = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var payload = JsonSerializer.SerializeToUtf8Bytes(new SessionPayload(credential, token, person), ConsoleJsonContext.Default.SessionPayload);
        var expires = time.GetUtcNow() + options.Value.SessionLifetime;
        var sealedValue = Base64Url.EncodeToString(_protector.Protect(payload, expires));
        context.Response.Cookies.Append(CookieName, sealedValue, Cookie(context, httpOnly: true, expires));
        context.Response.Cookies.Append(CsrfCookieName, token, Cookie(context, httpOnly: false, expires));
    }

    public static void SignOut(HttpContext context)
    {
        context.Response.Cookies.Delete(CookieName, Cookie(context, httpOnly: true, null));
        context.Response.Cookies.Delete(CsrfCookieName, Cookie(context, httpOnly: false, null));
    }

    /// <summary>The session the request's cookie carries; null when there is none or it is expired, tampered or from another key ring.</summary>
    public SessionPayload? Read(HttpContext context)
    {
        if (!context.Request.Cookies.TryGetValue(CookieName, out var value) || string.IsNullOrEmpty(value))
        {
            return null;
        }

        try
        {
            var payload = _protector.Unprotect(Base64Url.DecodeFromChars(value), out _);
            return JsonSerializer.Deserialize(payload, ConsoleJsonContext.Default.SessionPayload);
        }
        catch (Exception e) when (e is CryptographicException or FormatException or JsonException)
        {
            return null;
        }
    }

    /// <summary>Whether <paramref name="context"/> carries <paramref name="session"/>'s anti-forgery token in its header.</summary>
    public static bool HasValidToken(HttpContext context, SessionPayload session)
    {
        var sent = context.Request.Headers[CsrfHeader].ToString();
        return sent.Length > 0 && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(sent), Encoding.UTF8.GetBytes(session.CsrfToken));
    }

    /// <summary>A short hint of the credential for the page ("…f3a9"), never the credential itself.</summary>
    public static string Hint(string credential) => credential.Length <= 8 ? "…" : "…" + credential[^4..];

    private static CookieOptions Cookie(HttpContext context, bool httpOnly, DateTimeOffset? expires) => new()
    {
        HttpOnly = httpOnly,
        Secure = context.Request.IsHttps,
        SameSite = SameSiteMode.Strict,
        Path = "/",
        Expires = expires,
        IsEssential = true,
    };
}

/// <summary>What the session cookie seals: an API key the person pasted, or the person the identity provider signed in.</summary>
public sealed record SessionPayload(
    [property: JsonPropertyName("c")] string? Credential,
    [property: JsonPropertyName("t")] string CsrfToken,
    [property: JsonPropertyName("p")] ConsolePerson? Person = null);

/// <summary>A person signed in through the identity provider: the subject, a display name and the ContextHub scopes granted.</summary>
public sealed record ConsolePerson(
    [property: JsonPropertyName("s")] string Subject,
    [property: JsonPropertyName("n")] string Name,
    [property: JsonPropertyName("g")] string[] Scopes);

/// <summary>What <c>GET /console/session</c> tells the page.</summary>
public sealed record SessionInfo(bool SignedIn, string? CredentialHint, bool Secure)
{
    /// <summary>"apikey" or "oidc" while signed in.</summary>
    public string? Kind { get; init; }

    /// <summary>The signed-in person's name (identity provider sessions).</summary>
    public string? Name { get; init; }

    /// <summary>The identity provider's sign-in, when one is configured.</summary>
    public SessionProvider? Provider { get; init; }

    /// <summary>After sign-out: where the browser goes to end the provider's session too (RP-initiated logout).</summary>
    public string? LogoutUrl { get; init; }
}

/// <summary>The identity provider offered on the sign-in page.</summary>
public sealed record SessionProvider(string Name, string SignInUrl);

/// <summary>The body of <c>POST /console/session</c> as JSON.</summary>
public sealed record SignInRequest(string? Key);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SessionPayload))]
[JsonSerializable(typeof(SessionInfo))]
[JsonSerializable(typeof(SignInRequest))]
internal sealed partial class ConsoleJsonContext : JsonSerializerContext;
