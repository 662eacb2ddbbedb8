using ContextHub.Hosting;
using ContextHub.Samples.Conformance;

namespace ContextHub.Samples;

/// <summary>Adds the samples to an engine, as a user's own tools would be added.</summary>
public static class SampleRegistration
{
    /// <summary>Serves the sample tools (<c>echo</c>, <c>current_time</c>, <c>text_stats</c>, …).</summary>
    public static ContextHubBuilder AddSampleTools(this ContextHubBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.WithTools(typeof(SampleTools));
    }

    /// <summary>Serves the tools, resources and prompts the MCP conformance suite's server scenarios expect.</summary>
    public static ContextHubBuilder AddConformanceFixture(this ContextHubBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.WithTools(typeof(ConformanceTools)).WithTools(typeof(TaskFixtureTools)).Configure(ConformanceFixture.Register);
    }
}
