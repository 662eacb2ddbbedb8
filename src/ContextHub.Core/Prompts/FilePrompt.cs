using System.Text.RegularExpressions;
using ContextHub.Messaging;
using ContextHub.Protocol;
using ContextHub.Templates;
using Fluid;
using ModelContextProtocol.Protocol;
using YamlDotNet.RepresentationModel;

namespace ContextHub.Prompts;

/// <summary>
/// A prompt from a Markdown file: YAML front matter (name, title, description, arguments with optional
/// completion values) and a Liquid body. Lines <c>&lt;!-- user --&gt;</c> and <c>&lt;!-- assistant --&gt;</c>
/// start a message with that role; without them the body is one user message.
/// </summary>
public sealed partial class FilePrompt : McpPrompt
{
    private static readonly string[] Yes = ["true", "y", "yes", "on"];
    private static readonly string[] No = ["false", "n", "no", "off"];

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

        Prompt definition;
        Dictionary<string, string[]> values;
        try
        {
            (definition, values) = ReadFrontMatter(match.Groups["yaml"].Value, System.IO.Path.GetFileNameWithoutExtension(path));
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new FormatException($"{path}: front matter is not valid YAML ({e.Message}).", e);
        }
        catch (FormatException e)
        {
            throw new FormatException($"{path}: {e.Message}", e);
        }

        var messages = new List<(Role, LazyTemplate)>();
        var index = 0;
        foreach (var (role, body) in SplitRoles(match.Groups["body"].Value))
        {
            messages.Add((role, new LazyTemplate(body, $"message {++index} ({role.ToString().ToLowerInvariant()})", templateFailed)));
        }

        return new FilePrompt(definition, messages, values, path);
    }

    public override async ValueTask<GetPromptResult> RenderAsync(McpCallContext context, IReadOnlyDictionary<string, string> arguments)
    {
        var templateContext = new TemplateContext(Rendering.Options);
        foreach (var argument in Definition.Arguments ?? [])
        {
            // An argument not given stays undefined (nil, false in `if`); set to null it became an empty string, which
            // Liquid counts as true, so `{% if focus %}` rendered its branch for a focus nobody gave.
            if (arguments.TryGetValue(argument.Name, out var value) && value is not null)
            {
                templateContext.SetValue(argument.Name, value);
            }
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

    /// <summary>
    /// The front matter (name, title, description, arguments with name, title, description, required, values), read from
    /// YAML's node tree by name; unknown keys are ignored. Read by hand rather than with YamlDotNet's object deserializer:
    /// that one builds its reflection machinery (some 250 methods compiled, with their type data) for these few fields, in
    /// every server that loads a prompt folder. Its rules are kept: a plain <c>~</c>, <c>null</c> or nothing is null, and
    /// <c>required</c> takes true/y/yes/on and false/n/no/off in any case.
    /// </summary>
    private static (Prompt Definition, Dictionary<string, string[]> Values) ReadFrontMatter(string yaml, string fileName)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var root = stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode;
        var map = root is null || IsNull(root)
            ? new YamlMappingNode()
            : root as YamlMappingNode ?? throw new FormatException("the front matter is a YAML mapping (name, title, description, arguments).");

        var arguments = new List<PromptArgument>();
        var values = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (Value(map, "arguments") is { } list && !IsNull(list))
        {
            var i = 0;
            foreach (var item in Items(list, "arguments"))
            {
                var where = $"arguments[{i++}]";
                var argument = item as YamlMappingNode
                    ?? throw new FormatException($"'{where}' is a mapping (name, title, description, required, values).");
                var name = Text(argument, "name", where) ?? throw new FormatException("every argument needs a name.");
                arguments.Add(new PromptArgument
                {
                    Name = name,
                    Title = Text(argument, "title", where),
                    Description = Text(argument, "description", where),
                    Required = Flag(argument, "required", where),
                });
                if (Value(argument, "values") is { } declared && !IsNull(declared))
                {
                    var texts = Items(declared, where + ".values").Select((v, n) => v is YamlScalarNode { Value: { } text }
                        ? text
                        : throw new FormatException($"'{where}.values[{n}]' is text, not a list or a mapping.")).ToArray();
                    if (texts.Length > 0)
                    {
                        values[name] = texts;
                    }
                }
            }
        }

        var promptName = Text(map, "name");
        var definition = new Prompt
        {
            Name = string.IsNullOrWhiteSpace(promptName) ? fileName : promptName.Trim(),
            Title = Text(map, "title"),
            Description = Text(map, "description"),
            Arguments = arguments.Count > 0 ? arguments : null,
        };
        return (definition, values);
    }

    private static YamlNode? Value(YamlMappingNode map, string key)
    {
        foreach (var (name, value) in map.Children)
        {
            if (name is YamlScalarNode { Value: { } text } && text == key)
            {
                return value;
            }
        }

        return null;
    }

    private static string? Text(YamlMappingNode map, string key, string? where = null) => Value(map, key) switch
    {
        null => null,
        var node when IsNull(node) => null,
        YamlScalarNode scalar => scalar.Value,
        _ => throw new FormatException($"'{(where is null ? key : where + "." + key)}' is text, not a list or a mapping."),
    };

    private static bool Flag(YamlMappingNode map, string key, string where) => Text(map, key, where) switch
    {
        null => false,
        var text when Yes.Contains(text, StringComparer.OrdinalIgnoreCase) => true,
        var text when No.Contains(text, StringComparer.OrdinalIgnoreCase) => false,
        var text => throw new FormatException($"'{where}.{key}' is true or false, not '{text}'."),
    };

    private static IEnumerable<YamlNode> Items(YamlNode node, string where) =>
        node as YamlSequenceNode ?? throw new FormatException($"'{where}' is a list.");

    // A plain `~`, `null` or nothing is YAML's null; a quoted "null" is text.
    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: not (YamlDotNet.Core.ScalarStyle.SingleQuoted or YamlDotNet.Core.ScalarStyle.DoubleQuoted) } scalar
        && scalar.Value is null or "" or "~" or "null" or "Null" or "NULL";

    // Made on first render, not when the first prompt file is read: creating template options starts the Liquid library.
    private static class Rendering
    {
        public static readonly TemplateOptions Options = new() { MaxSteps = 100_000 };
    }
}
