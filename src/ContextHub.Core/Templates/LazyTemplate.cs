using Fluid;

namespace ContextHub.Templates;

/// <summary>
/// A Liquid template from a file, parsed when it is first rendered. Building the Liquid grammar loads some 900 methods
/// of the parser library (several megabytes of resident code and type data), so a server whose prompts and HTTP tools
/// are listed but not used does not pay for it. A template that does not parse fails its first use with
/// <see cref="FormatException"/> naming where it came from and the parser's message (and every use after it: the file
/// does not change under a loaded template; a changed file is loaded again as a new one). The optional callback hears
/// that message once, for the log of whoever loaded the file.
/// </summary>
internal sealed class LazyTemplate
{
    private readonly string _source;
    private readonly string _field;
    private readonly Action<string>? _failed;
    private readonly Lazy<IFluidTemplate> _template;

    /// <param name="source">The template's text.</param>
    /// <param name="field">Where it came from, for the error message (e.g. <c>http.url</c>).</param>
    /// <param name="failed">Hears the error message once, when the text does not parse.</param>
    public LazyTemplate(string source, string field, Action<string>? failed = null)
    {
        _source = source;
        _field = field;
        _failed = failed;
        _template = new Lazy<IFluidTemplate>(Parse, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>Parses now, for a caller that wants the error before rendering anything; throws like <see cref="RenderAsync"/>.</summary>
    public void Check() => _ = _template.Value;

    /// <summary>Renders, parsing first if this is the first use; throws <see cref="FormatException"/> when the text is not valid Liquid.</summary>
    public ValueTask<string> RenderAsync(TemplateContext context) => _template.Value.RenderAsync(context, NullEncoder.Default);

    private IFluidTemplate Parse()
    {
        if (Liquid.Parser.TryParse(_source, out var template, out var error))
        {
            return template;
        }

        var message = $"{_field} is not a valid Liquid template: {error}";
        _failed?.Invoke(message);
        throw new FormatException(message);
    }
}
