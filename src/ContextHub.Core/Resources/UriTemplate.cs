using System.Text;
using System.Text.RegularExpressions;

namespace ContextHub.Resources;

/// <summary>
/// An RFC 6570 URI template that can match a URI and give back its variables (expansion alone is common;
/// matching is what a server needs, and no maintained .NET library offers it).
/// Supports simple <c>{x}</c>, reserved <c>{+x}</c>, fragment <c>{#x}</c>, label <c>{.x}</c>, path <c>{/x}</c>,
/// and query <c>{?x,y}</c> / <c>{&amp;x}</c> expressions.
/// </summary>
public sealed partial class UriTemplate
{
    private readonly Regex _regex;
    private readonly List<string> _variables = [];

    public UriTemplate(string template)
    {
        Template = template;
        var pattern = new StringBuilder("^");
        var last = 0;
        foreach (Match expression in ExpressionRegex().Matches(template))
        {
            pattern.Append(Regex.Escape(template[last..expression.Index]));
            last = expression.Index + expression.Length;
            var body = expression.Groups[1].Value;
            var op = body.Length > 0 && "+#./;?&".Contains(body[0], StringComparison.Ordinal) ? body[0] : '\0';
            var names = (op == '\0' ? body : body[1..]).Split(',').Select(n => n.TrimEnd('*').Split(':')[0]).ToArray();
            switch (op)
            {
                case '?' or '&':
                    pattern.Append(CultureInvariant($"(?:[?&][^#]*)?"));
                    foreach (var name in names)
                    {
                        _variables.Add("?" + name);
                    }

                    break;
                default:
                    var prefix = op switch { '#' => "#", '.' => "\\.", '/' => "/", ';' => ";", _ => "" };
                    var valueClass = op is '+' or '#' ? ".*?" : "[^/?#]*?";
                    for (var i = 0; i < names.Length; i++)
                    {
                        var separator = i == 0 ? prefix : op is '\0' or '+' or '#' ? "," : prefix;
                        var group = Group(names[i]);
                        pattern.Append(CultureInvariant($"(?:{separator}(?<{group}>{valueClass}))"));
                        if (op is '/' or '.' or '#' or ';')
                        {
                            pattern.Append('?');
                        }

                        _variables.Add(names[i]);
                    }

                    break;
            }
        }

        pattern.Append(Regex.Escape(template[last..])).Append('$');
        _regex = new Regex(pattern.ToString(), RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture, TimeSpan.FromMilliseconds(100));
    }

    public string Template { get; }

    /// <summary>Names of the template's variables.</summary>
    public IEnumerable<string> Variables => _variables.Select(v => v.TrimStart('?'));

    /// <summary>Matches <paramref name="uri"/> and returns the decoded variables, or null.</summary>
    public IReadOnlyDictionary<string, string>? Match(string uri)
    {
        var match = _regex.Match(uri);
        if (!match.Success)
        {
            return null;
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var variable in _variables)
        {
            if (variable[0] == '?')
            {
                continue;
            }

            var group = match.Groups[Group(variable)];
            if (group.Success)
            {
                values[variable] = Uri.UnescapeDataString(group.Value);
            }
        }

        var query = uri.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0 && _variables.Any(v => v[0] == '?'))
        {
            var end = uri.IndexOf('#', query);
            foreach (var pair in uri[(query + 1)..(end < 0 ? uri.Length : end)].Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                var name = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]);
                if (_variables.Contains("?" + name))
                {
                    values[name] = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..]);
                }
            }
        }

        return values;
    }

    private static string Group(string name) => "v" + Convert.ToHexString(Encoding.UTF8.GetBytes(name));

    private static string CultureInvariant(FormattableString text) => FormattableString.Invariant(text);

    [GeneratedRegex(@"\{([^}]*)\}")]
    private static partial Regex ExpressionRegex();
}
