using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace ContextHub.Server.Tests.Architecture;

/// <summary>
/// The layering of docs/DESIGN.md, read from the built assemblies: a forbidden reference fails the build's tests, not a
/// review. (An assembly reference appears in metadata only where code uses the other assembly, so this sees real use.)
/// </summary>
public sealed class ReferenceRulesTests
{
    /// <summary>The gateway's assembly name (the command is <c>contexthub</c>).</summary>
    private static readonly string ServerAssembly = typeof(Program).Assembly.GetName().Name!;

    /// <summary>Each project and the ContextHub/ASP.NET Core assemblies it must never use.</summary>
    public static TheoryData<string, string[]> Rules => new()
    {
        // The engine is transport-neutral: no web framework, no knowledge store, no gateway.
        { "ContextHub.Core", ["Microsoft.AspNetCore.*", ServerAssembly, "ContextHub.Knowledge*", "ContextHub.Samples", "ContextHub.Embeddings.*"] },
        // Storage abstractions sit below the engine.
        { "ContextHub.Storage", ["Microsoft.AspNetCore.*", "ContextHub.Core", ServerAssembly, "ContextHub.Knowledge*"] },
        // The knowledge model knows neither the engine, the gateway, nor any backend or model.
        { "ContextHub.Knowledge", ["Microsoft.AspNetCore.*", "ContextHub.Core", ServerAssembly, "ContextHub.Knowledge.*", "ContextHub.Embeddings.*"] },
        // Backends know the knowledge model only, never each other or the gateway.
        { "ContextHub.Knowledge.Embedded", ["Microsoft.AspNetCore.*", "ContextHub.Core", ServerAssembly, "ContextHub.Knowledge.Elasticsearch", "ContextHub.Embeddings.*"] },
        { "ContextHub.Knowledge.Elasticsearch", ["Microsoft.AspNetCore.*", "ContextHub.Core", ServerAssembly, "ContextHub.Knowledge.Embedded", "ContextHub.Embeddings.*"] },
        // A model is a plain embedding generator.
        { "ContextHub.Embeddings.MiniLM", ["Microsoft.AspNetCore.*", "ContextHub.*"] },
        { "ContextHub.Embeddings.OpenAI", ["Microsoft.AspNetCore.*", "ContextHub.*"] },
        // Samples are tools written against the engine, as a user's would be.
        { "ContextHub.Samples", ["Microsoft.AspNetCore.*", ServerAssembly, "ContextHub.Knowledge*", "ContextHub.Embeddings.*", "ContextHub.Redis"] },
    };

    /// <summary>The server is the composition root: it alone references every backend, model and the samples, and picks among them.</summary>
    [Theory]
    [InlineData("ContextHub.Knowledge.Embedded")]
    [InlineData("ContextHub.Knowledge.Elasticsearch")]
    [InlineData("ContextHub.Embeddings.MiniLM")]
    [InlineData("ContextHub.Embeddings.OpenAI")]
    [InlineData("ContextHub.Samples")]
    public void The_server_composes_every_part(string part)
    {
        Assert.Contains(typeof(Program).Assembly.GetReferencedAssemblies(), r => r.Name == part);
    }

    /// <summary>Nothing but the server (and tests) composes: no part references a backend, a model or the samples.</summary>
    [Theory]
    [InlineData("ContextHub.Core")]
    [InlineData("ContextHub.Storage")]
    [InlineData("ContextHub.Knowledge")]
    [InlineData("ContextHub.Knowledge.Embedded")]
    [InlineData("ContextHub.Knowledge.Elasticsearch")]
    [InlineData("ContextHub.Embeddings.MiniLM")]
    [InlineData("ContextHub.Embeddings.OpenAI")]
    [InlineData("ContextHub.Samples")]
    [InlineData("ContextHub.Redis")]
    public void Only_the_server_picks_backends_models_and_samples(string assemblyName)
    {
        string[] parts = ["ContextHub.Knowledge.Embedded", "ContextHub.Knowledge.Elasticsearch", "ContextHub.Embeddings.MiniLM", "ContextHub.Embeddings.OpenAI", "ContextHub.Samples"];
        var violations = Load(assemblyName).GetReferencedAssemblies().Select(r => r.Name!).Where(parts.Contains).ToList();

        Assert.True(violations.Count == 0, $"{assemblyName} must not reference {string.Join(", ", violations)}: the server's composition root picks them (docs/DESIGN.md).");
    }

    [Theory]
    [MemberData(nameof(Rules))]
    public void A_project_uses_only_what_its_layer_allows(string assemblyName, string[] forbidden)
    {
        var assembly = Load(assemblyName);

        var violations = assembly.GetReferencedAssemblies()
            .Select(r => r.Name!)
            .Where(name => forbidden.Any(pattern => Matches(name, pattern)))
            .ToList();

        Assert.True(violations.Count == 0, $"{assemblyName} must not reference {string.Join(", ", violations)} (docs/DESIGN.md, 'Rules the code enforces').");
    }

    [Fact]
    public void The_rules_see_real_references()
    {
        // Guards the test itself: if loading or matching were broken, every rule above would pass vacuously.
        var server = typeof(Program).Assembly.GetReferencedAssemblies().Select(r => r.Name!).ToList();

        Assert.Contains(server, n => Matches(n, "ContextHub.Core"));
        Assert.Contains(server, n => Matches(n, "Microsoft.AspNetCore.*"));
        Assert.Contains(Load("ContextHub.Knowledge.Embedded").GetReferencedAssemblies(), r => Matches(r.Name!, "ContextHub.Knowledge*"));
    }

    /// <summary>The engine's managers: only the Message Manager's pipeline reaches them, never a door.</summary>
    private static readonly string[] Managers =
    [
        "ContextHub.Service.McpService", "ContextHub.Service.NotificationHub", "ContextHub.Tools.ToolManager", "ContextHub.Tools.ToolRegistry",
        "ContextHub.Resources.ResourceManager", "ContextHub.Prompts.PromptManager", "ContextHub.Sessions.SessionManager",
        "ContextHub.Tasks.TaskManager", "ContextHub.Tasks.TaskService",
    ];

    /// <summary>The assemblies of the doors and what plugs into them (gateway, security, observability, console, Redis).</summary>
    public static TheoryData<string> Doors => new() { ServerAssembly, "ContextHub.Redis" };

    [Theory]
    [MemberData(nameof(Doors))]
    public void A_door_reaches_the_engine_only_through_the_Message_Manager(string assemblyName)
    {
        var used = TypesUsedBy(Load(assemblyName));

        var violations = used.Intersect(Managers).ToList();

        Assert.True(violations.Count == 0,
            $"{assemblyName} uses {string.Join(", ", violations)}: doors send requests to the MessageManager and read notifications (INotificationBus, ITaskEvents), never a manager (docs/DESIGN.md).");
    }

    [Fact]
    public void The_door_rule_sees_the_types_a_door_uses()
    {
        // Guards the rule above: the server does use the Message Manager, so an empty reading would be a broken reader.
        var used = TypesUsedBy(typeof(Program).Assembly);

        Assert.Contains("ContextHub.Messaging.MessageManager", used);
        Assert.Contains("ContextHub.Tasks.ITaskEvents", used);
    }

    /// <summary>Every type of another assembly this assembly's code names (its metadata's type references).</summary>
    private static HashSet<string> TypesUsedBy(Assembly assembly)
    {
        using var stream = File.OpenRead(assembly.Location);
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var handle in metadata.TypeReferences)
        {
            var type = metadata.GetTypeReference(handle);
            names.Add($"{metadata.GetString(type.Namespace)}.{metadata.GetString(type.Name)}");
        }

        return names;
    }

    private static Assembly Load(string name) => Assembly.Load(new AssemblyName(name));

    private static bool Matches(string name, string pattern) => pattern.EndsWith('*')
        ? name.StartsWith(pattern[..^1], StringComparison.Ordinal)
        : string.Equals(name, pattern, StringComparison.Ordinal);
}
