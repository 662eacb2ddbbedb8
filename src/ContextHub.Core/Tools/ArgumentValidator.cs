using System.Text.Json;
using ContextHub.Protocol;
using Json.Schema;

namespace ContextHub.Tools;

/// <summary>Checks tool arguments against the tool's input schema, compiled once when the tool is registered.</summary>
public sealed class ArgumentValidator
{
    private static readonly EvaluationOptions FlagOptions = new() { OutputFormat = OutputFormat.Flag };
    private static readonly EvaluationOptions ListOptions = new() { OutputFormat = OutputFormat.List };
    private static long _generation;

    private readonly JsonSchema _schema;
    private readonly SimpleSchemaCheck? _simple;
    private readonly string[] _required;

    public ArgumentValidator(string toolName, JsonElement inputSchema)
    {
        // A fresh base URI per build keeps two tools (or two versions of one) from sharing a registry entry.
        var baseUri = new Uri($"urn:contexthub:tool:{Uri.EscapeDataString(toolName)}:{Interlocked.Increment(ref _generation)}");
        _simple = SimpleSchemaCheck.TryCompile(inputSchema);
        _required = inputSchema.ValueKind == JsonValueKind.Object && inputSchema.TryGetProperty("required"u8, out var required)
            && required.ValueKind == JsonValueKind.Array
            ? [.. required.EnumerateArray().Where(r => r.ValueKind == JsonValueKind.String).Select(r => r.GetString()!)]
            : [];
        try
        {
            // MCP tool schemas default to JSON Schema 2020-12, whose unknown keywords (x-mcp-header, vendor hints) are allowed.
            _schema = JsonSchema.Build(inputSchema, new BuildOptions { SchemaRegistry = new SchemaRegistry(), Dialect = Dialect.Draft202012 }, baseUri);
        }
        catch (Exception e) when (e is JsonSchemaException or JsonException or ArgumentException or InvalidOperationException or RefResolutionException)
        {
            throw new ArgumentException($"The input schema of tool '{toolName}' is not a valid JSON Schema: {e.Message}", nameof(inputSchema), e);
        }
    }

    /// <summary>Throws -32602 naming the first failing location when <paramref name="arguments"/> does not fit.</summary>
    public void Validate(JsonElement arguments)
    {
        if (_simple?.IsValid(arguments) == true || _schema.Evaluate(arguments, FlagOptions).IsValid)
        {
            return;
        }

        foreach (var name in _required)
        {
            if (arguments.ValueKind == JsonValueKind.Object && !arguments.TryGetProperty(name, out _))
            {
                throw McpErrorException.InvalidParams("required property is missing", "arguments." + name);
            }
        }

        var detailed = _schema.Evaluate(arguments, ListOptions);
        foreach (var detail in detailed.Details ?? [])
        {
            if (detail.Errors is { Count: > 0 } errors)
            {
                var path = "arguments" + ToDotted(detail.InstanceLocation.ToString());
                throw McpErrorException.InvalidParams(string.Join("; ", errors.Values), path);
            }
        }

        throw McpErrorException.InvalidParams("the arguments do not match the tool's input schema", "arguments");
    }

    private static string ToDotted(string pointer)
    {
        if (pointer.Length == 0 || pointer == "#")
        {
            return "";
        }

        var segments = pointer.TrimStart('#').Split('/', StringSplitOptions.RemoveEmptyEntries);
        return string.Concat(segments.Select(s => int.TryParse(s, out _) ? $"[{s}]" : "." + s.Replace("~1", "/").Replace("~0", "~")));
    }
}
