using System.Text.Json;
using System.Text.Json.Nodes;
using ContextHub.Hosting;
using ContextHub.Messaging;
using ContextHub.Prompts;
using ContextHub.Resources;
using ContextHub.Tools;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Protocol;

namespace ContextHub.Core.Tests;

/// <summary>
/// A caller who may see only some items, walking the lists page by page: every item it may see comes exactly once, pages
/// are full until the last, and no cursor leads to an empty page.
/// </summary>
public sealed class VisibleListPagingTests
{
    private const int PageSize = 2;

    // Twelve of each, named so that the visible ones come in runs and gaps longer than a page.
    private static readonly string[] Names = [.. Enumerable.Range(1, 12).Select(i => $"item_{i:D2}")];
    private static readonly HashSet<string> VisibleNames = ["item_02", "item_06", "item_07", "item_08", "item_12"];

    [Theory]
    [InlineData("tools/list", "tools", "name")]
    [InlineData("resources/list", "resources", "uri")]
    [InlineData("resources/templates/list", "resourceTemplates", "uriTemplate")]
    [InlineData("prompts/list", "prompts", "name")]
    public async Task A_caller_who_sees_some_items_gets_each_once_in_full_pages(string method, string list, string field)
    {
        await using var services = Build();
        var manager = services.GetRequiredService<MessageManager>();
        var caller = new McpCaller(McpTransportKind.InProcess, Identity: "narrow");

        var pages = new List<List<string>>();
        string? cursor = null;
        do
        {
            var parameters = cursor is null ? null : new JsonObject { ["cursor"] = cursor };
            var result = await manager.InvokeAsync(method, parameters, caller, r => r.ToJsonElement(), CancellationToken.None);
            pages.Add([.. result.GetProperty(list).EnumerateArray().Select(e => e.GetProperty(field).GetString()!)]);
            cursor = result.TryGetProperty("nextCursor", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
            Assert.True(pages.Count <= Names.Length, "the cursors never end");
        }
        while (cursor is not null);

        Assert.Equal(VisibleNames.Order(StringComparer.Ordinal), pages.SelectMany(p => p).Select(Key));
        Assert.All(pages[..^1], p => Assert.Equal(PageSize, p.Count));
        Assert.NotEmpty(pages[^1]);
    }

    [Fact]
    public async Task A_caller_who_sees_everything_pages_as_before()
    {
        await using var services = Build();
        var manager = services.GetRequiredService<MessageManager>();
        var everyone = new McpCaller(McpTransportKind.InProcess, Identity: "wide");

        var first = await manager.InvokeAsync("prompts/list", null, everyone, r => r.ToJsonElement(), CancellationToken.None);

        Assert.Equal(["item_01", "item_02"], first.GetProperty("prompts").EnumerateArray().Select(e => e.GetProperty("name").GetString()));
        Assert.Equal(JsonValueKind.String, first.GetProperty("nextCursor").ValueKind);
    }

    /// <summary>The name part of a tool or prompt name, a resource URI or a template.</summary>
    private static string Key(string value) => value[value.IndexOf("item_", StringComparison.Ordinal)..][..7];

    private static ServiceProvider Build()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ContextHub:Server:PageSize"] = PageSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IMcpAccessPolicy, NarrowCallerPolicy>();
        services.AddContextHub(configuration)
            .WithTools(_ => Names.Select(n => (McpTool)new NamedTool(n)))
            .Configure(sp =>
            {
                var resources = sp.GetRequiredService<ResourceManager>().Code;
                var prompts = sp.GetRequiredService<PromptManager>();
                foreach (var name in Names)
                {
                    resources.Add(new Resource { Uri = $"test://{name}", Name = name }, (_, _) => ValueTask.FromResult<ResourceContents[]>([]));
                    resources.Add(new ResourceTemplate { UriTemplate = $"test://{name}/{{id}}", Name = name },
                        (_, _, _) => ValueTask.FromResult<ResourceContents[]>([]));
                    prompts.Add(new CodePrompt(new Prompt { Name = name }, (_, _) => ValueTask.FromResult(new GetPromptResult { Messages = [] })));
                }
            });
        var provider = services.BuildServiceProvider();
        foreach (var action in provider.GetServices<StartupAction>())
        {
            action.Run(provider);
        }

        return provider;
    }

    /// <summary>The caller "narrow" may see the items of <see cref="VisibleNames"/> only; anyone else sees everything.</summary>
    private sealed class NarrowCallerPolicy : IMcpAccessPolicy
    {
        public bool CanUseTool(McpCaller caller, string name) => Allows(caller, name);

        public bool CanReadResource(McpCaller caller, string uri) => Allows(caller, uri);

        public bool CanUsePrompt(McpCaller caller, string name) => Allows(caller, name);

        private static bool Allows(McpCaller caller, string value) =>
            caller.Identity != "narrow" || (value.Contains("item_", StringComparison.Ordinal) && VisibleNames.Contains(Key(value)));
    }

    private sealed class NamedTool(string name) : McpTool
    {
        public override Tool Definition { get; } = new()
        {
            Name = name,
            InputSchema = JsonDocument.Parse("""{"type":"object"}""").RootElement,
        };

        public override ValueTask<CallToolResult> InvokeAsync(McpCallContext context, JsonElement arguments) =>
            ValueTask.FromResult(new CallToolResult { Content = [new TextContentBlock { Text = name }] });
    }
}
