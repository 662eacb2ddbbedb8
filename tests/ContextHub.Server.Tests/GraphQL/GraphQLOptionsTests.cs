using ContextHub.Messaging;
using ContextHub.Server.Gateway.GraphQL;
using GraphQL.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ContextHub.Server.Tests.GraphQL;

/// <summary>ContextHub:GraphQL settings: the validator names the setting and the fix; the limits and the introspection switch apply.</summary>
public sealed class GraphQLOptionsTests
{
    [Fact]
    public void Bad_settings_are_named_with_their_fix()
    {
        var result = new GraphQLOptionsValidator().Validate(null, new GraphQLOptions { MaxDepth = 0, MaxComplexity = 1, MaxOperationsPerConnection = 0 });

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith("ContextHub:GraphQL:MaxDepth is 0; use", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.StartsWith("ContextHub:GraphQL:MaxComplexity is 1; use", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.StartsWith("ContextHub:GraphQL:MaxOperationsPerConnection is 0; use", StringComparison.Ordinal));
        Assert.True(new GraphQLOptionsValidator().Validate(null, new GraphQLOptions()).Succeeded);
    }

    [Fact]
    public async Task Introspection_can_be_turned_off()
    {
        var off = Executor(new GraphQLOptions { EnableIntrospection = false });
        var on = Executor(new GraphQLOptions());

        var refused = await RunAsync(off, "{ __schema { queryType { name } } }");
        var allowed = await RunAsync(on, "{ __schema { queryType { name } } }");
        var typename = await RunAsync(off, "{ __typename }");

        Assert.False(refused.Executed);
        Assert.NotEmpty(refused.Errors!);
        Assert.True(allowed.Executed);
        Assert.True(typename.Executed);
    }

    [Fact]
    public async Task Complexity_over_the_limit_fails_validation()
    {
        var executor = Executor(new GraphQLOptions { MaxComplexity = 10 });

        var result = await RunAsync(executor, "{ tools { name title description inputSchema outputSchema } }");

        Assert.False(result.Executed);
        Assert.Contains(result.Errors!, e => e.Message.Contains("complex", StringComparison.OrdinalIgnoreCase));
    }

    private static GraphQLExecutor Executor(GraphQLOptions options) => new(Options.Create(options), NullLogger<GraphQLExecutor>.Instance);

    private static Task<global::GraphQL.ExecutionResult> RunAsync(GraphQLExecutor executor, string query)
    {
        using var services = new ServiceCollection().BuildServiceProvider();
        return executor.ExecuteAsync(new GraphQLRequest { Query = query }, null, services,
            new GraphQLUserContext(new McpCaller(McpTransportKind.GraphQL)), CancellationToken.None);
    }
}
