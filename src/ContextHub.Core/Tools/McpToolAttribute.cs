namespace ContextHub.Tools;

/// <summary>Marks a class whose <see cref="McpToolAttribute"/> methods become tools; <c>WithTools</c> takes only classes marked so.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class McpToolTypeAttribute : Attribute;

/// <summary>
/// Makes a method a tool. The input schema comes from the parameters (and their <c>[Description]</c>),
/// the output schema from the return type when it is an object.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class McpToolAttribute : Attribute
{
    public McpToolAttribute(string? name = null) => Name = name;

    public string? Name { get; }

    public string? Title { get; set; }

    public bool ReadOnly { get; set; }

    public bool Destructive { get; set; }

    public bool Idempotent { get; set; }

    public bool OpenWorld { get; set; }

    /// <summary>Seconds one call may run; 0 takes the server's default.</summary>
    public int TimeoutSeconds { get; set; }

    /// <summary>Whether calls run as tasks when the client can take one (<c>execution.taskSupport</c>); <c>Forbidden</c> by default.</summary>
    public Tasks.ToolTaskSupport TaskSupport { get; set; }

    /// <summary>The tool calls <c>ContinueAsTaskAsync</c> itself when it is ready to go on as a task.</summary>
    public bool StartsTaskItself { get; set; }
}
