using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ContextHub.Messaging;
using ContextHub.Templates;
using Fluid;
using Fluid.Values;
using ModelContextProtocol.Protocol;

namespace ContextHub.Tools;

/// <summary>
/// A tool declared in a file, with no C#: an HTTP request whose URL, headers and body are Liquid templates over the
/// arguments, and whose response becomes text (or structured content when it is a JSON object).
/// </summary>
public sealed class HttpTool : McpTool
{
    private readonly IHttpClientFactory _clients;
    private readonly HttpToolSpec _spec;
    // Parsed on first call (see LazyTemplate): listing the tool does not load the Liquid parser.
    private readonly LazyTemplate _url;
    private readonly LazyTemplate? _body;
    private readonly LazyTemplate? _responseTemplate;
    private readonly Dictionary<string, LazyTemplate> _headers;

    public HttpTool(HttpToolSpec spec, IHttpClientFactory clients, string source)
    {
        _spec = spec;
        _clients = clients;
        Source = source;
        _url = new LazyTemplate(spec.Http.Url, "http.url");
        _body = spec.Http.Body is null ? null : new LazyTemplate(spec.Http.Body, "http.body");
        _responseTemplate = spec.Response?.Template is null ? null : new LazyTemplate(spec.Response.Template, "response.template");
        TaskSupport = spec.TaskSupport?.ToLowerInvariant() switch
        {
            null or "" or "forbidden" => Tasks.ToolTaskSupport.Forbidden,
            "optional" => Tasks.ToolTaskSupport.Optional,
            "required" => Tasks.ToolTaskSupport.Required,
            var other => throw new FormatException($"{source}: taskSupport '{other}' is not one of forbidden, optional, required."),
        };
        _headers = (spec.Http.Headers ?? []).ToDictionary(h => h.Key, h => new LazyTemplate(h.Value, $"http.headers.{h.Key}"), StringComparer.OrdinalIgnoreCase);
        Definition = new Tool
        {
            Name = spec.Name,
            Title = spec.Title,
            Description = spec.Description,
            InputSchema = spec.InputSchema ?? JsonDocument.Parse("""{"type":"object"}""").RootElement,
            Annotations = new ToolAnnotations { Title = spec.Title, ReadOnlyHint = spec.Http.Method.Equals("GET", StringComparison.OrdinalIgnoreCase), OpenWorldHint = true },
        };
    }

    public override Tool Definition { get; }

    public override TimeSpan? Timeout => _spec.Http.TimeoutSeconds > 0 ? TimeSpan.FromSeconds(_spec.Http.TimeoutSeconds) : null;

    public override Tasks.ToolTaskSupport TaskSupport { get; }

    /// <summary>The file the tool came from.</summary>
    public string Source { get; }

    public override async ValueTask<CallToolResult> InvokeAsync(McpCallContext context, JsonElement arguments)
    {
        var model = new TemplateContext(Rendering.Options);
        foreach (var property in arguments.EnumerateObject())
        {
            model.SetValue(property.Name, ToFluid(property.Value));
        }

        var url = (await _url.RenderAsync(model)).Trim();
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return ToolResults.Error($"The tool's URL template produced '{url}', which is not an http(s) URL.");
        }

        using var request = new HttpRequestMessage(new HttpMethod(_spec.Http.Method.ToUpperInvariant()), uri);
        if (_body is not null)
        {
            var body = await _body.RenderAsync(model);
            request.Content = new StringContent(body, Encoding.UTF8, _spec.Http.ContentType ?? "application/json");
        }

        foreach (var (name, template) in _headers)
        {
            request.Headers.TryAddWithoutValidation(name, await template.RenderAsync(model));
        }

        using var client = _clients.CreateClient(nameof(HttpTool));
        using var response = await client.SendAsync(request, context.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(context.CancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            return ToolResults.Error($"{uri.Host} answered {(int)response.StatusCode} {response.ReasonPhrase}: {Truncate(text, 2000)}");
        }

        JsonElement? json = null;
        if (IsJson(response.Content.Headers.ContentType))
        {
            try
            {
                json = JsonDocument.Parse(text).RootElement.Clone();
            }
            catch (JsonException)
            {
                // Not JSON after all: fall back to text.
            }
        }

        if (_responseTemplate is not null)
        {
            // The response template sees the arguments too, and the response as parsed JSON (or text).
            model.SetValue("response", json is { } parsed ? ToFluid(parsed) : new StringValue(text));
            text = await _responseTemplate.RenderAsync(model);
            return ToolResults.Text(text);
        }

        return new CallToolResult
        {
            Content = [new TextContentBlock { Text = text }],
            StructuredContent = json is { ValueKind: JsonValueKind.Object } obj ? obj : null,
        };
    }

    private static bool IsJson(MediaTypeHeaderValue? type) =>
        type?.MediaType is { } media && (media == "application/json" || media.EndsWith("+json", StringComparison.Ordinal));

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max] + "…";

    // Made on first call, not when the tool file is read: creating template options starts the Liquid library.
    private static class Rendering
    {
        public static readonly TemplateOptions Options = new() { MaxSteps = 10_000 };
    }

    private static FluidValue ToFluid(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => new StringValue(element.GetString()),
        JsonValueKind.Number => NumberValue.Create(element.GetDecimal()),
        JsonValueKind.True => BooleanValue.True,
        JsonValueKind.False => BooleanValue.False,
        JsonValueKind.Array => new ArrayValue(element.EnumerateArray().Select(ToFluid).ToArray()),
        JsonValueKind.Object => new ObjectValue(element.EnumerateObject().ToDictionary(p => p.Name, p => (object)ToFluid(p.Value))),
        _ => NilValue.Instance,
    };
}

/// <summary>The file format of a declarative HTTP tool.</summary>
public sealed class HttpToolSpec
{
    public string Name { get; set; } = "";

    public string? Title { get; set; }

    public string? Description { get; set; }

    public JsonElement? InputSchema { get; set; }

    public HttpRequestSpec Http { get; set; } = new();

    public HttpResponseSpec? Response { get; set; }

    /// <summary><c>forbidden</c> (default), <c>optional</c> or <c>required</c>: whether calls run as tasks.</summary>
    public string? TaskSupport { get; set; }

    /// <summary>Reads a spec from YAML or JSON text (JSON is YAML too).</summary>
    public static HttpToolSpec Parse(string text, string source)
    {
        JsonNode? node;
        try
        {
            node = YamlJson.ToJsonNode(text);
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new FormatException($"{source}: not valid YAML or JSON ({e.Message}).", e);
        }

        if (node is not JsonObject)
        {
            throw new FormatException($"{source}: a tool file holds one object with name, description, inputSchema and http.");
        }

        var spec = node.Deserialize(ToolFileJsonContext.Default.HttpToolSpec)
            ?? throw new FormatException($"{source}: empty tool file.");
        if (string.IsNullOrWhiteSpace(spec.Name))
        {
            throw new FormatException($"{source}: 'name' is required.");
        }

        if (string.IsNullOrWhiteSpace(spec.Http.Url))
        {
            throw new FormatException($"{source}: 'http.url' is required.");
        }

        return spec;
    }
}

public sealed class HttpRequestSpec
{
    public string Method { get; set; } = "GET";

    public string Url { get; set; } = "";

    public Dictionary<string, string>? Headers { get; set; }

    public string? Body { get; set; }

    public string? ContentType { get; set; }

    public int TimeoutSeconds { get; set; }
}

public sealed class HttpResponseSpec
{
    /// <summary>A Liquid template over the arguments and <c>response</c> (parsed JSON, or the text) that becomes the tool's text.</summary>
    public string? Template { get; set; }
}

[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase,
    PropertyNameCaseInsensitive = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowReadingFromString)]
[System.Text.Json.Serialization.JsonSerializable(typeof(HttpToolSpec))]
internal sealed partial class ToolFileJsonContext : System.Text.Json.Serialization.JsonSerializerContext;

/// <summary>YAML to JSON: scalars keep their YAML type (numbers, booleans, null).</summary>
internal static class YamlJson
{
    public static JsonNode? ToJsonNode(string yaml)
    {
        var stream = new YamlDotNet.RepresentationModel.YamlStream();
        stream.Load(new StringReader(yaml));
        return stream.Documents.Count == 0 ? null : Convert(stream.Documents[0].RootNode);
    }

    private static JsonNode? Convert(YamlDotNet.RepresentationModel.YamlNode node) => node switch
    {
        YamlDotNet.RepresentationModel.YamlMappingNode map => new JsonObject(map.Children.Select(c =>
            KeyValuePair.Create(c.Key is YamlDotNet.RepresentationModel.YamlScalarNode key
                ? key.Value ?? ""
                : throw new FormatException("a mapping's keys are text, not lists or mappings."), Convert(c.Value)))),
        YamlDotNet.RepresentationModel.YamlSequenceNode seq => new JsonArray([.. seq.Children.Select(Convert)]),
        YamlDotNet.RepresentationModel.YamlScalarNode scalar => Scalar(scalar),
        _ => null,
    };

    private static JsonNode? Scalar(YamlDotNet.RepresentationModel.YamlScalarNode scalar)
    {
        var value = scalar.Value ?? "";
        if (scalar.Style is YamlDotNet.Core.ScalarStyle.SingleQuoted or YamlDotNet.Core.ScalarStyle.DoubleQuoted
            or YamlDotNet.Core.ScalarStyle.Literal or YamlDotNet.Core.ScalarStyle.Folded)
        {
            return JsonValue.Create(value);
        }

        return value switch
        {
            "null" or "~" or "" => null,
            "true" or "True" => JsonValue.Create(true),
            "false" or "False" => JsonValue.Create(false),
            _ when long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) => JsonValue.Create(l),
            _ when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => JsonValue.Create(d),
            _ => JsonValue.Create(value),
        };
    }
}
