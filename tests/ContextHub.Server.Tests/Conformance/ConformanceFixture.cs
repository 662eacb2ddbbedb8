using ContextHub.Prompts;
using ContextHub.Resources;
using Microsoft.Extensions.DependencyInjection;

namespace ContextHub.Server.Tests.Conformance;

/// <summary>The resources and prompts the MCP conformance suite's server scenarios expect.</summary>
public static class ConformanceFixture
{
    public static void Register(IServiceProvider services)
    {
        _ = services.GetRequiredService<ResourceManager>();
        _ = services.GetRequiredService<PromptManager>();
    }
}
