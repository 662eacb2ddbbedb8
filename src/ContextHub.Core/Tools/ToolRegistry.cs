using System.Collections.Concurrent;
using ContextHub.Storage.PubSub;
using ModelContextProtocol.Protocol;

namespace ContextHub.Tools;

/// <summary>
/// Every tool the server offers, by name. Adding or removing one at run time publishes
/// <c>notifications/tools/list_changed</c> to every connected client.
/// </summary>
public sealed class ToolRegistry
{
    private readonly ConcurrentDictionary<string, RegisteredTool> _tools = new(StringComparer.Ordinal);
    private readonly INotificationBus _bus;
    private readonly Lock _snapshotLock = new();
    private RegisteredTool[]? _sorted;

    public ToolRegistry(INotificationBus bus) => _bus = bus;

    /// <summary>Adds a tool, or replaces the one with the same name.</summary>
    public void Add(McpTool tool)
    {
        ArgumentNullException.ThrowIfNull(tool);
        var name = tool.Definition.Name;
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new ArgumentException("A tool needs a name.", nameof(tool));
        }

        _tools[name] = new RegisteredTool(tool, new ArgumentValidator(name, tool.Definition.InputSchema));
        Changed();
    }

    public bool Remove(string name)
    {
        if (!_tools.TryRemove(name, out _))
        {
            return false;
        }

        Changed();
        return true;
    }

    public bool TryGet(string name, out RegisteredTool tool) => _tools.TryGetValue(name, out tool!);

    public int Count => _tools.Count;

    /// <summary>All tools, sorted by name (the order pagination walks).</summary>
    public IReadOnlyList<RegisteredTool> Sorted
    {
        get
        {
            var sorted = Volatile.Read(ref _sorted);
            if (sorted is not null)
            {
                return sorted;
            }

            lock (_snapshotLock)
            {
                sorted = [.. _tools.Values.OrderBy(t => t.Definition.Name, StringComparer.Ordinal)];
                Volatile.Write(ref _sorted, sorted);
                return sorted;
            }
        }
    }

    private void Changed()
    {
        lock (_snapshotLock)
        {
            Volatile.Write(ref _sorted, null);
        }

        _ = _bus.PublishAsync(new ServerEvent(ServerEventKind.ToolsListChanged)).AsTask();
    }
}

/// <summary>A tool with its compiled argument validator and the arguments it mirrors into HTTP headers.</summary>
public sealed record RegisteredTool(McpTool Tool, ArgumentValidator Validator)
{
    public Tool Definition => Tool.Definition;

    /// <summary>Arguments annotated <c>x-mcp-header</c>: clients send them again as <c>Mcp-Param-{Header}</c> (SEP-2243).</summary>
    public IReadOnlyList<HeaderParameter> HeaderParameters { get; } = HeaderParameter.From(Tool.Definition.InputSchema);
}

/// <summary>An argument mirrored into the <c>Mcp-Param-{Header}</c> request header.</summary>
public sealed record HeaderParameter(string Argument, string Header)
{
    internal static IReadOnlyList<HeaderParameter> From(System.Text.Json.JsonElement schema)
    {
        if (schema.ValueKind != System.Text.Json.JsonValueKind.Object || !schema.TryGetProperty("properties"u8, out var properties)
            || properties.ValueKind != System.Text.Json.JsonValueKind.Object)
        {
            return [];
        }

        var found = new List<HeaderParameter>();
        foreach (var property in properties.EnumerateObject())
        {
            if (property.Value.ValueKind == System.Text.Json.JsonValueKind.Object
                && property.Value.TryGetProperty("x-mcp-header"u8, out var header) && header.ValueKind == System.Text.Json.JsonValueKind.String)
            {
                found.Add(new HeaderParameter(property.Name, header.GetString()!));
            }
        }

        return found;
    }
}
