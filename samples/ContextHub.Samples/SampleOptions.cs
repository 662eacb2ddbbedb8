namespace ContextHub.Samples;

/// <summary>Which samples the server serves; bound from <see cref="Section"/>.</summary>
public sealed class SampleOptions
{
    /// <summary>The configuration section these settings are bound from.</summary>
    public const string Section = "ContextHub:Samples";

    /// <summary>Serve the sample tools (<see cref="SampleTools"/>).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Serve the fixture the MCP conformance suite's server scenarios expect (<c>test_*</c> tools, <c>test://</c> resources, prompts).</summary>
    public bool Conformance { get; set; }
}
