using System.Text.Encodings.Web;
using GraphQL;
using GraphQL.SystemTextJson;
using GraphQL.Transport;
using GraphQL.Validation;
using GraphQL.Validation.Complexity;
using GraphQL.Validation.Rules.Custom;
using GraphQLParser.AST;
using Microsoft.Extensions.Options;

namespace ContextHub.Server.Gateway.GraphQL;

/// <summary>
/// Runs GraphQL documents against <see cref="ContextHubSchema"/> with the configured limits (depth, complexity,
/// introspection); both transports (HTTP and WebSocket) go through here.
/// </summary>
public sealed partial class GraphQLExecutor
{
    private readonly ContextHubSchema _schema;
    private readonly DocumentExecuter _executer = new();
    private readonly IValidationRule[] _rules;
    private readonly ILogger<GraphQLExecutor> _logger;

    public GraphQLExecutor(IOptions<GraphQLOptions> options, ILogger<GraphQLExecutor> logger)
    {
        _logger = logger;
        _schema = new ContextHubSchema();
        _schema.Initialize();
        var settings = options.Value;
        Options = settings;
        var complexity = new ComplexityValidationRule(new ComplexityOptions { MaxDepth = settings.MaxDepth, MaxComplexity = settings.MaxComplexity });
        _rules = settings.EnableIntrospection
            ? [.. DocumentValidator.CoreRules, complexity]
            : [.. DocumentValidator.CoreRules, NoIntrospectionValidationRule.Instance, complexity];
    }

    public GraphQLOptions Options { get; }

    public ContextHubSchema Schema => _schema;

    /// <summary>Writes results and reads variables; errors carry <c>code</c>, and <c>mcpCode</c>/<c>path</c> from the engine.</summary>
    public GraphQLSerializer Serializer { get; } = new(o => o.Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, new ContextHubErrorInfoProvider());

    /// <summary>Executes one request. <paramref name="document"/> is the parsed query when the transport parsed it already.</summary>
    public Task<ExecutionResult> ExecuteAsync(GraphQLRequest request, GraphQLDocument? document, IServiceProvider services, GraphQLUserContext user,
        CancellationToken cancellationToken) =>
        _executer.ExecuteAsync(new ExecutionOptions
        {
            Schema = _schema,
            Query = request.Query,
            Document = document,
            OperationName = request.OperationName,
            Variables = request.Variables,
            Extensions = request.Extensions,
            RequestServices = services,
            UserContext = user,
            CancellationToken = cancellationToken,
            ValidationRules = _rules,
            ThrowOnUnhandledException = false,
            UnhandledExceptionDelegate = context =>
            {
                if (context.Exception is not OperationCanceledException)
                {
                    LogUnhandled(context.Exception, context.FieldContext?.FieldDefinition.Name ?? "(document)");
                }

                return Task.CompletedTask;
            },
        });

    /// <summary>
    /// The operation a document runs: the one named <paramref name="operationName"/>, or its only one; null when the
    /// document does not say (the executer then reports why).
    /// </summary>
    public static GraphQLOperationDefinition? SelectOperation(GraphQLDocument document, string? operationName)
    {
        GraphQLOperationDefinition? found = null;
        foreach (var definition in document.Definitions)
        {
            if (definition is not GraphQLOperationDefinition operation)
            {
                continue;
            }

            if (operationName is null)
            {
                if (found is not null)
                {
                    return null;
                }

                found = operation;
            }
            else if (operation.Name is { } name && name.Value == operationName)
            {
                return operation;
            }
        }

        return found;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "GraphQL resolver {Field} failed")]
    private partial void LogUnhandled(Exception exception, string field);
}
