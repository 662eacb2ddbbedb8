using System.ComponentModel;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ContextHub.Messaging;
using ContextHub.Tools;
using ModelContextProtocol.Protocol;

namespace ContextHub.Samples;

/// <summary>The tools a default ContextHub serves: small, useful, and each showing one part of the engine.</summary>
[McpToolType]
public static class SampleTools
{
    [McpTool("echo", Title = "Echo", ReadOnly = true, Idempotent = true)]
    [Description("Returns the message it was given, prefixed with 'echo: '.")]
    public static string Echo([Description("The text to send back.")] string message) => "echo: " + message;

    [McpTool("current_time", Title = "Current time", ReadOnly = true)]
    [Description("The current date and time in a time zone (IANA name such as Europe/Paris; UTC when omitted).")]
    public static string CurrentTime(TimeProvider clock, [Description("IANA time zone, e.g. America/New_York.")] string? timeZone = null)
    {
        var now = clock.GetUtcNow();
        if (string.IsNullOrWhiteSpace(timeZone))
        {
            return now.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        }

        if (!TimeZoneInfo.TryFindSystemTimeZoneById(timeZone, out var zone))
        {
            throw new ArgumentException($"Unknown time zone '{timeZone}'. Use an IANA name such as Europe/Paris.");
        }

        return TimeZoneInfo.ConvertTime(now, zone).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
    }

    [McpTool("text_stats", Title = "Text statistics", ReadOnly = true, Idempotent = true)]
    [Description("Counts characters, words, lines and sentences in a text.")]
    public static TextStats CountText([Description("The text to measure.")] string text)
    {
        var words = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
        var lines = text.Length == 0 ? 0 : text.Split('\n').Length;
        var sentences = text.Count(c => c is '.' or '!' or '?');
        return new TextStats(text.Length, words, lines, sentences);
    }

    [McpTool("hash", Title = "Hash text", ReadOnly = true, Idempotent = true)]
    [Description("SHA-256 (default), SHA-384 or SHA-512 of a UTF-8 text, as lowercase hex.")]
    public static string Hash([Description("The text to hash.")] string text, [Description("sha256, sha384 or sha512.")] HashKind algorithm = HashKind.Sha256)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var digest = algorithm switch
        {
            HashKind.Sha384 => SHA384.HashData(bytes),
            HashKind.Sha512 => SHA512.HashData(bytes),
            _ => SHA256.HashData(bytes),
        };
        return Convert.ToHexStringLower(digest);
    }

    [McpTool("countdown", Title = "Countdown with progress", TaskSupport = Tasks.ToolTaskSupport.Optional)]
    [Description("Counts down from a number, one step every interval, reporting progress as it goes.")]
    public static async Task<string> CountdownAsync(McpCallContext context,
        [Description("Where to start (1-100).")] int from = 5,
        [Description("Milliseconds between steps (0-2000).")] int intervalMs = 200)
    {
        if (from is < 1 or > 100 || intervalMs is < 0 or > 2000)
        {
            throw new ArgumentException("from must be 1-100 and intervalMs 0-2000.");
        }

        for (var i = 0; i < from; i++)
        {
            await context.ReportProgressAsync(i, from, $"{from - i} to go");
            await Task.Delay(intervalMs, context.CancellationToken);
        }

        await context.ReportProgressAsync(from, from, "done");
        return $"Counted down from {from}.";
    }

    [McpTool("touch_resource", Title = "Announce a sample resource change", Idempotent = true)]
    [Description("Tells the subscribers of a sample resource (test://…, e.g. test://watched-resource) that it changed, without changing it: for trying subscriptions and measuring how fast a change reaches clients.")]
    public static async Task<string> TouchResourceAsync(McpCallContext context, Storage.PubSub.INotificationBus bus,
        [Description("The sample resource's URI, e.g. test://watched-resource.")] string uri)
    {
        if (!uri.StartsWith("test://", StringComparison.Ordinal) || !Uri.TryCreate(uri, UriKind.Absolute, out _))
        {
            throw new ArgumentException("uri must be a sample resource's URI starting with test://, e.g. test://watched-resource.");
        }

        await bus.PublishAsync(new Storage.PubSub.ServerEvent(Storage.PubSub.ServerEventKind.ResourceUpdated, uri), context.CancellationToken);
        return $"Subscribers of {uri} were told it changed.";
    }

    [McpTool("ask_user", Title = "Ask the user a question")]
    [Description("Asks the user a question through the client (elicitation) and returns the answer.")]
    public static async Task<string> AskUserAsync(McpCallContext context, [Description("The question to ask.")] string question)
    {
        var schema = new ElicitRequestParams.RequestSchema
        {
            Properties = new Dictionary<string, ElicitRequestParams.PrimitiveSchemaDefinition>
            {
                ["answer"] = new ElicitRequestParams.StringSchema { Description = question },
            },
            Required = ["answer"],
        };
        var result = await context.ElicitAsync(new ElicitRequestParams { Message = question, RequestedSchema = schema });
        return result.Action switch
        {
            "accept" when result.Content?.TryGetValue("answer", out var answer) == true => $"The user answered: {answer}",
            "decline" => "The user declined to answer.",
            _ => "The user dismissed the question.",
        };
    }

    [McpTool("summarize", Title = "Summarize with the client's model")]
    [Description("Asks the client's language model (sampling) for a one-paragraph summary of a text.")]
    public static async Task<string> SummarizeAsync(McpCallContext context, [Description("The text to summarize.")] string text)
    {
        var result = await context.SampleAsync(new CreateMessageRequestParams
        {
            Messages = [new SamplingMessage { Role = Role.User, Content = [new TextContentBlock { Text = "Summarize in one paragraph:\n\n" + text }] }],
            MaxTokens = 300,
        });
        return string.Concat(result.Content.OfType<TextContentBlock>().Select(t => t.Text));
    }
}

public enum HashKind
{
    Sha256,
    Sha384,
    Sha512,
}

/// <summary>What <c>text_stats</c> returns (also its output schema).</summary>
public sealed record TextStats(
    [property: Description("Characters, including spaces.")] int Characters,
    [property: Description("Whitespace-separated words.")] int Words,
    [property: Description("Lines.")] int Lines,
    [property: Description("Sentence-ending punctuation marks.")] int Sentences);
