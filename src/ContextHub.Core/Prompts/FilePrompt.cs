using System.Text.RegularExpressions;
using ContextHub.Messaging;
using ContextHub.Protocol;
using ContextHub.Templates;
using Fluid;
using ModelContextProtocol.Protocol;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace ContextHub.Prompts;

/// <summary>
/// A prompt from a Markdown file: YAML front matter (name, title, description, arguments with optional
/// completion values) and a Liquid body. Lines <c>&lt;!-- user --&gt;</c> and <c>&lt;!-- assistant --&gt;</c>
/// start a message with that role; without them the body is one user message.
/// </summary>
public sealed partial class FilePrompt : McpPrompt
{
    private static readonly IDeserializer Yaml = new DeserializerBuilder()
        .WithNamingConvention(CamelCaseNamingConvention.Instance)
        .IgnoreUnmatchedProperties()
        .Build();

    // Parsed on first render (see LazyTemplate): listing the prompt does not load the Liquid parser.
    private readonly List<(Role Role, LazyTemplate Template)> _messages;
    private readonly Dictionary<string, string[]> _values;

    private FilePrompt(Prompt definition, List<(Role, LazyTemplate)> messages, Dictionary<string, string[]> values, string path)
    {
        Definition = definition;
        _messages = messages;
        _values = values;
        Path = path;
    }

    public override Prompt Definition { get; }

    public string Path { get; }

    /// <summary>
    /// Parses a prompt file's front matter; throws <see cref="FormatException"/> naming what is wrong. The Liquid body is
    /// parsed when the prompt is first rendered: a body that does not parse fails that <c>prompts/get</c> (and the ones
    /// after it) with -32603 naming the message and the parser's error, and is reported once to
    /// <paramref name="templateFailed"/>.
    /// </summary>
    public static FilePrompt Parse(string path, string text, Action<string>? templateFailed = null)
    {
        var match = FrontMatterRegex().Match(text);
        if (!match.Success)
        {
            throw new FormatException($"{path}: a prompt file starts with YAML front matter between '---' lines.");
        }

        FrontMatter front;
        try
        {
            front = Yaml.Deserialize<FrontMatter>(match.Groups["yaml"].Value) ?? new FrontMatter();
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new FormatException($"{path}: front matter is not valid YAML ({e.Message}).", e);
        }

        var name = string.IsNullOrWhiteSpace(front.Name) ? System.IO.Path.GetFileNameWithoutExtension(path) : front.Name.Trim();
        var messages = new List<(Role, LazyTemplate)>();
        var index = 0;
        foreach (var (role, body) in SplitRoles(match.Groups["body"].Value))
        {
            messages.Add((role, new LazyTemplate(body, $"message {++index} ({role.ToString().ToLowerInvariant()})", templateFailed)));
        }

        var arguments = (front.Arguments ?? []).Select(a => new PromptArgument
        {
            Name = a.Name ?? throw new FormatException($"{path}: every argument needs a name."),
            Title = a.Title,
            Description = a.Description,
            Required = a.Required,
        }).ToList();

        var definition = new Prompt
        {
            Name = name,
            Title = front.Title,
            Description = front.Description,
            Arguments = arguments.Count > 0 ? arguments : null,
        };
        var values = (front.Arguments ?? []).Where(a => a.Values is { Count: > 0 })
            .ToDictionary(a => a.Name!, a => a.Values!.ToArray(), StringComparer.Ordinal);
        return new FilePrompt(definition, messages, values, path);
    }

    public override async ValueTask<GetPromptResult> RenderAsync(McpCallContext context, IReadOnlyDictionary<string, string> arguments)
    {
        var templateContext = new TemplateContext(Rendering.Options);
        foreach (var argument in Definition.Arguments ?? [])
        {
            templateContext.SetValue(argument.Name, arguments.TryGetValue(argument.Name, out var value) ? value : null);
        }

        foreach (var (_, template) in _messages)
        {
            try
            {
                template.Check();
            }
            catch (FormatException e)
            {
                throw McpErrorException.Internal($"prompt '{Definition.Name}' cannot be rendered: {e.Message}");
            }
        }

        var messages = new List<PromptMessage>(_messages.Count);
        foreach (var (role, template) in _messages)
        {
            var text = await template.RenderAsync(templateContext);
            messages.Add(new PromptMessage { Role = role, Content = new TextContentBlock { Text = text.Trim() } });
        }

        return new GetPromptResult { Description = Definition.Description, Messages = messages };
    }

    public override IReadOnlyList<string> Complete(string argument, string prefix, IReadOnlyDictionary<string, string> context) =>
        _values.TryGetValue(argument, out var values)
            ? [.. values.Where(v => v.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))]
            : [];

    private static IEnumerable<(Role Role, string Body)> SplitRoles(string body)
    {
        var parts = RoleMarkerRegex().Split(body);
        if (parts.Length == 1)
        {
            yield return (Role.User, body);
            yield break;
        }

        if (parts[0].Trim().Length > 0)
        {
            yield return (Role.User, parts[0]);
        }

        for (var i = 1; i + 1 < parts.Length; i += 2)
        {
            yield return (parts[i] == "assistant" ? Role.Assistant : Role.User, parts[i + 1]);
        }
    }

    [GeneratedRegex(@"\A---\r?\n(?<yaml>.*?)\r?\n---\r?\n?(?<body>.*)\z", RegexOptions.Singleline)]
    private static partial Regex FrontMatterRegex();

    [GeneratedRegex(@"^[ \t]*<!--[ \t]*(user|assistant)[ \t]*-->[ \t]*\r?$", RegexOptions.Multiline)]
    private static partial Regex RoleMarkerRegex();

    private sealed class FrontMatter
    {
        public string? Name { get; set; }

        public string? Title { get; set; }

        public string? Description { get; set; }

        public List<ArgumentSpec>? Arguments { get; set; }
    }

    private sealed class ArgumentSpec
    {
        public string? Name { get; set; }

        public string? Title { get; set; }

        public string? Description { get; set; }

        public bool Required { get; set; }

        public List<string>? Values { get; set; }
    }

    // Made on first render, not when the first prompt file is read: creating template options starts the Liquid library.
    private static class Rendering
    {
        public static readonly TemplateOptions Options = new() { MaxSteps = 100_000 };
    }
}
