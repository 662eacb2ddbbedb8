using System.Globalization;
using ContextHub.Server.KnowledgeBase;

namespace ContextHub.Server.Gateway.Security;

/// <summary>
/// <c>contexthub apikey create NAME [--scope SCOPE]... [--expires 30d]</c> prints a new key once;
/// <c>contexthub apikey list</c> and <c>contexthub apikey revoke NAME</c> manage them. The key file is the server's
/// (<c>ContextHub:Security:ApiKeys:File</c>, else <c>apikeys.json</c> in the data folder); a running server sees changes
/// within a second.
/// </summary>
public static class ApiKeyCommand
{
    private const string Usage = "usage: contexthub apikey create NAME [--scope SCOPE]... [--expires 30d|12h|90m] | apikey list | apikey revoke NAME  [--ContextHub:Knowledge:DataFolder=DIR]";

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var positional = new List<string>();
        var scopes = new List<string>();
        var settings = new List<string>();
        string? expires = null;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--scope" && i + 1 < args.Length)
            {
                scopes.Add(args[++i]);
            }
            else if (args[i] == "--expires" && i + 1 < args.Length)
            {
                expires = args[++i];
            }
            else if (args[i].StartsWith("--", StringComparison.Ordinal))
            {
                settings.Add(args[i]);
            }
            else
            {
                positional.Add(args[i]);
            }
        }

        if (positional.Count == 0 || (positional[0] is "create" or "revoke" && positional.Count != 2) || (positional[0] == "list" && positional.Count != 1))
        {
            error.WriteLine(Usage);
            return 2;
        }

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [.. settings], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Services.AddOptions<KnowledgeServerOptions>().Bind(builder.Configuration.GetSection(KnowledgeServerOptions.Section))
            .PostConfigure(o => o.DataFolder = Path.GetFullPath(o.DataFolder));
        builder.Services.AddOptions<SecurityOptions>().Bind(builder.Configuration.GetSection(SecurityOptions.Section));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ApiKeyStore>();
        using var host = builder.Build();
        try
        {
            var store = host.Services.GetRequiredService<ApiKeyStore>();
            switch (positional[0])
            {
                case "create":
                    var lifetime = expires is null ? (TimeSpan?)null : ParseDuration(expires);
                    var (key, entry) = store.Create(positional[1], scopes, lifetime);
                    output.WriteLine(key);
                    error.WriteLine($"Created API key '{entry.Name}' (id {entry.Id}, scopes: {Scopes(entry.Scopes)}, expires: {Expiry(entry.ExpiresAt)}). "
                        + "This is the only time the key is shown; the server keeps its hash.");
                    return 0;
                case "list":
                    foreach (var item in store.List())
                    {
                        output.WriteLine($"{item.Name}\t{item.Id}\t{Scopes(item.Scopes)}\t{item.CreatedAt:O}\t{Expiry(item.ExpiresAt)}");
                    }

                    return 0;
                case "revoke":
                    if (store.Revoke(positional[1]))
                    {
                        error.WriteLine($"Revoked API key '{positional[1]}'.");
                        return 0;
                    }

                    error.WriteLine($"No API key named '{positional[1]}'.");
                    return 1;
                default:
                    error.WriteLine(Usage);
                    return 2;
            }
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            error.WriteLine(e.Message);
            return 1;
        }
    }

    /// <summary><c>30d</c>, <c>12h</c>, <c>90m</c>, <c>45s</c> or a TimeSpan (<c>7.00:00:00</c>).</summary>
    public static TimeSpan ParseDuration(string text)
    {
        text = text.Trim();
        if (text.Length >= 2 && int.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0)
        {
            switch (char.ToLowerInvariant(text[^1]))
            {
                case 'd': return TimeSpan.FromDays(n);
                case 'h': return TimeSpan.FromHours(n);
                case 'm': return TimeSpan.FromMinutes(n);
                case 's': return TimeSpan.FromSeconds(n);
            }
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero
            ? span
            : throw new ArgumentException($"'{text}' is not a duration: write 30d, 12h, 90m, 45s or d.hh:mm:ss.");
    }

    private static string Scopes(IReadOnlyList<string> scopes) => scopes.Count == 0 ? "(none)" : string.Join(' ', scopes);

    private static string Expiry(DateTimeOffset? expires) => expires?.ToString("O", CultureInfo.InvariantCulture) ?? "never";
}
