using System.Runtime.CompilerServices;
using System.Text.Json;
using ContextHub.Protocol;
using Json.Schema;

namespace ContextHub.Tools;

/// <summary>
/// Checks tool arguments against the tool's input schema, compiled once when the tool is registered. A schema the
/// <see cref="SimpleSchemaCheck"/> covers (most tools': typed properties, required names, string enums, arrays of
/// those) is checked by it, and the full JSON Schema evaluator is built for it only when arguments fail the check and
/// the answer needs the evaluator's verdict and detail — so a server whose calls pass never starts the JSON Schema
/// library (some 590 methods compiled, a few megabytes resident). Any other schema is built, and so checked, at
/// registration.
/// </summary>
public sealed class ArgumentValidator
{
    private static long _generation;

    // Typed as our own class, not the library's: a field or a Lazy of a JSON Schema type would start the library (its
    // module initializer registers every dialect) as soon as the first validator is made.
    private readonly Lazy<FullSchema> _full;
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
        var schema = inputSchema.Clone(); // read later, perhaps after the caller's document is gone (no copy when it is already one)
        _full = new Lazy<FullSchema>(() => new FullSchema(toolName, schema, baseUri), LazyThreadSafetyMode.ExecutionAndPublication);
        if (_simple is null)
        {
            _ = _full.Value; // refuses a schema that is not valid JSON Schema now, at registration
        }
    }

    /// <summary>Whether the full evaluator has been built (for tests: a covered schema whose calls pass never builds it).</summary>
    internal bool FullSchemaBuilt => _full.IsValueCreated;

    /// <summary>Throws -32602 naming the first failing location when <paramref name="arguments"/> does not fit.</summary>
    public void Validate(JsonElement arguments)
    {
        if (_simple?.IsValid(arguments) == true || IsValidByFullSchema(arguments))
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

        throw Explain(arguments);
    }

    // Kept out of line: a JIT that inlined the library's code into a call's path would start the library (its module
    // initializer) when it compiled that path, whether or not the path ever ran.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool IsValidByFullSchema(JsonElement arguments) => _full.Value.IsValid(arguments);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private McpErrorException Explain(JsonElement arguments) => _full.Value.Explain(arguments);

    /// <summary>The JSON Schema library's evaluator for one tool's schema.</summary>
    private sealed class FullSchema
    {
        private static readonly EvaluationOptions Flag = new() { OutputFormat = OutputFormat.Flag };
        private static readonly EvaluationOptions List = new() { OutputFormat = OutputFormat.List };

        private readonly JsonSchema _schema;

        public FullSchema(string toolName, JsonElement inputSchema, Uri baseUri)
        {
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

        public bool IsValid(JsonElement arguments) => _schema.Evaluate(arguments, Flag).IsValid;

        /// <summary>-32602 naming the first failing location.</summary>
        public McpErrorException Explain(JsonElement arguments)
        {
            var detailed = _schema.Evaluate(arguments, List);
            foreach (var detail in detailed.Details ?? [])
            {
                if (detail.Errors is { Count: > 0 } errors)
                {
                    var path = "arguments" + ToDotted(detail.InstanceLocation.ToString());
                    return McpErrorException.InvalidParams(string.Join("; ", errors.Values), path);
                }
            }

            return McpErrorException.InvalidParams("the arguments do not match the tool's input schema", "arguments");
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
}
