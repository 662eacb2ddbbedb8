using Microsoft.Extensions.Options;

namespace ContextHub.Server.Gateway.GraphQL;

/// <summary>Settings of the GraphQL door, bound from <c>ContextHub:GraphQL</c>.</summary>
public sealed class GraphQLOptions
{
    public const string Section = "ContextHub:GraphQL";

    /// <summary>Whether <c>__schema</c> and <c>__type</c> may be queried (tools such as GraphiQL need them).</summary>
    public bool EnableIntrospection { get; set; } = true;

    /// <summary>Deepest selection a document may have; deeper ones fail validation.</summary>
    public int MaxDepth { get; set; } = 15;

    /// <summary>
    /// Highest complexity a document may have: each field counts 1, a list multiplies its children by 5, introspection
    /// counts 1%. Over the limit the document fails validation.
    /// </summary>
    public int MaxComplexity { get; set; } = 10_000;

    /// <summary>How long a WebSocket may stay open without <c>connection_init</c> before it is closed with 4408.</summary>
    public TimeSpan ConnectionInitWaitTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Most operations one WebSocket may run at once; one more is answered with an <c>error</c> message.</summary>
    public int MaxOperationsPerConnection { get; set; } = 100;
}

/// <summary>Checks <see cref="GraphQLOptions"/> at start, naming the setting and the fix.</summary>
public sealed class GraphQLOptionsValidator : IValidateOptions<GraphQLOptions>
{
    public ValidateOptionsResult Validate(string? name, GraphQLOptions options)
    {
        var failures = new List<string>();
        if (options.MaxDepth is < 2 or > 1000)
        {
            failures.Add($"{GraphQLOptions.Section}:MaxDepth is {options.MaxDepth}; use a number from 2 to 1000 (15 allows the standard introspection query).");
        }

        if (options.MaxComplexity < 10)
        {
            failures.Add($"{GraphQLOptions.Section}:MaxComplexity is {options.MaxComplexity}; use at least 10 (the default 10000 allows the standard introspection query).");
        }

        if (options.ConnectionInitWaitTimeout < TimeSpan.FromMilliseconds(100))
        {
            failures.Add($"{GraphQLOptions.Section}:ConnectionInitWaitTimeout is {options.ConnectionInitWaitTimeout}; use at least \"00:00:00.1\", e.g. \"00:00:10\".");
        }

        if (options.MaxOperationsPerConnection < 1)
        {
            failures.Add($"{GraphQLOptions.Section}:MaxOperationsPerConnection is {options.MaxOperationsPerConnection}; use at least 1 (default 100).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
