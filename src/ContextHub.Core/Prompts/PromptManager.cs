using System.Collections.Concurrent;
using ContextHub.Messaging;
using ContextHub.Protocol;
using ContextHub.Service;
using ContextHub.Storage.PubSub;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Protocol;

namespace ContextHub.Prompts;

/// <summary>
/// Every prompt by name (from the Prompt Loader's folder and from code): list, render with arguments, complete
/// arguments. Changes publish <c>notifications/prompts/list_changed</c>.
/// </summary>
public sealed class PromptManager
{
    private readonly ConcurrentDictionary<string, McpPrompt> _prompts = new(StringComparer.Ordinal);
    private readonly INotificationBus _bus;
    private readonly int _pageSize;
    private McpPrompt[]? _sorted;

    public PromptManager(INotificationBus bus, IOptions<McpServerOptions> options)
    {
        _bus = bus;
        _pageSize = options.Value.PageSize;
    }

    public void Add(McpPrompt prompt)
    {
        _prompts[prompt.Definition.Name] = prompt;
        Changed();
    }

    public bool Remove(string name)
    {
        if (!_prompts.TryRemove(name, out _))
        {
            return false;
        }

        Changed();
        return true;
    }

    /// <summary>Replaces every prompt that <paramref name="owns"/> selects with <paramref name="prompts"/>, publishing one change.</summary>
    public void ReplaceAll(Func<McpPrompt, bool> owns, IEnumerable<McpPrompt> prompts)
    {
        foreach (var existing in _prompts.Values.Where(owns).ToList())
        {
            _prompts.TryRemove(existing.Definition.Name, out _);
        }

        foreach (var prompt in prompts)
        {
            _prompts[prompt.Definition.Name] = prompt;
        }

        Changed();
    }

    public bool TryGet(string name, out McpPrompt prompt) => _prompts.TryGetValue(name, out prompt!);

    /// <summary>One page of the prompts whose name <paramref name="visible"/> accepts (all when null).</summary>
    public ListPromptsResult List(string? cursor, Func<string, bool>? visible = null)
    {
        var sorted = Volatile.Read(ref _sorted) ?? (_sorted = [.. _prompts.Values.OrderBy(p => p.Definition.Name, StringComparer.Ordinal)]);
        var (page, next) = Pagination.Page(sorted, static p => p.Definition.Name, cursor, _pageSize, visible);
        return new ListPromptsResult { Prompts = [.. page.Select(p => p.Definition)], NextCursor = next };
    }

    public async ValueTask<GetPromptResult> GetAsync(McpCallContext context, string name, IReadOnlyDictionary<string, string> arguments)
    {
        if (!_prompts.TryGetValue(name, out var prompt))
        {
            throw McpErrorException.NotFound($"Unknown prompt: '{name}'", "name");
        }

        foreach (var argument in prompt.Definition.Arguments ?? [])
        {
            if (argument.Required == true && (!arguments.TryGetValue(argument.Name, out var value) || value.Length == 0))
            {
                throw McpErrorException.InvalidParams($"prompt '{name}' needs argument '{argument.Name}'", $"arguments.{argument.Name}");
            }
        }

        return await prompt.RenderAsync(context, arguments);
    }

    public ValueTask<Completion> CompleteAsync(string name, string argument, string prefix, IDictionary<string, string> context,
        CancellationToken cancellationToken)
    {
        if (!_prompts.TryGetValue(name, out var prompt))
        {
            throw McpErrorException.NotFound($"Unknown prompt: '{name}'", "ref.name");
        }

        if (prompt.Definition.Arguments?.Any(a => a.Name == argument) != true)
        {
            throw McpErrorException.InvalidParams($"prompt '{name}' has no argument '{argument}'", "argument.name");
        }

        var values = prompt.Complete(argument, prefix, new Dictionary<string, string>(context, StringComparer.Ordinal));
        return ValueTask.FromResult(Completions.From(values));
    }

    private void Changed()
    {
        Volatile.Write(ref _sorted, null);
        _ = _bus.PublishAsync(new ServerEvent(ServerEventKind.PromptsListChanged)).AsTask();
    }
}
