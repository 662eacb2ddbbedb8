using Fluid;

namespace ContextHub.Templates;

/// <summary>
/// A Liquid template from a file, parsed when it is first rendered. Building the Liquid grammar loads some 900 methods
/// of the parser library (several megabytes of resident code and type data), so a server whose prompts and HTTP tools
/// are listed but not used does not pay for it. A template that does not parse fails its first use with
/// <see cref="FormatException"/> naming <see cref="Field"/> and the parser's message (and every use after it: the file
/// does not change under a loaded template; a changed file is loaded again as a new one). The optional callback hears
/// that message once, for the log of whoever loaded the file.
/// </summary>
internal sealed class LazyTemplate
{
    private readonly Lazy<IFluidTemplate> _template;
    private readonly Action<string>? _failed;

    public LazyTemplate(string source, string field, Action<string>? failed = null)
    {
        Source = source;
        Field = field;
        _failed = failed;
        _template = new Lazy<IFluidTemplate>(Parse, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The template's text.</summary>
    public string Source { get; }

    /// <summary>Where the template came from, for the error message (e.g. <c>http.url</c>).</summary>
    public string Field { get; }

    /// <summary>The parsed template; throws <see cref="FormatException"/> when the text is not valid Liquid.</summary>
    public IFluidTemplate Template => _template.Value;

    /// <summary>Parses now, for a caller that wants the error up front; throws like <see cref="Template"/>.</summary>
    public void Check() => _ = _template.Value;

    public ValueTask<string> RenderAsync(TemplateContext context) => Template.RenderAsync(context, NullEncoder.Default);

    private IFluidTemplate Parse()
    {
        if (Liquid.Parser.TryParse(Source, out var template, out var error))
        {
            return template;
        }

        var message = $"{Field} is not a valid Liquid template: {error}";
        _failed?.Invoke(message);
        throw new FormatException(message);
    }
}
