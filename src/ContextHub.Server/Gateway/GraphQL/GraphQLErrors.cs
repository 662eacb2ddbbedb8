using System.Text;
using System.Text.Json.Nodes;
using ContextHub.Protocol;
using GraphQL;
using GraphQL.Execution;

namespace ContextHub.Server.Gateway.GraphQL;

/// <summary>
/// An engine failure as a GraphQL error: <c>extensions.code</c> names the kind (<c>NOT_FOUND</c>,
/// <c>INVALID_PARAMS</c>, …), <c>extensions.mcpCode</c> is the JSON-RPC code and <c>extensions.path</c> the
/// offending parameter when the engine names one.
/// </summary>
public sealed class McpGraphQLError : ExecutionError
{
    public McpGraphQLError(McpErrorException error)
        : base(error.Message, error)
    {
        Code = CodeOf(error.Kind);
        McpCode = error.Code;
        if (error.ErrorData is JsonObject data)
        {
            McpPath = data["path"] is JsonValue path && path.TryGetValue<string>(out var text) ? text : null;
            var rest = data.Where(p => p.Key != "path").ToList();
            if (rest.Count > 0)
            {
                McpData = new JsonObject(rest.Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone())));
            }
        }
    }

    public int McpCode { get; }

    public string? McpPath { get; }

    public JsonObject? McpData { get; }

    /// <summary><c>NotFound</c> → <c>NOT_FOUND</c>, <c>InvalidParams</c> → <c>INVALID_PARAMS</c>, and so on.</summary>
    public static string CodeOf(McpErrorKind kind)
    {
        var name = kind == McpErrorKind.Unspecified ? nameof(McpErrorKind.Internal) : kind.ToString();
        var code = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (i > 0 && char.IsUpper(name[i]))
            {
                code.Append('_');
            }

            code.Append(char.ToUpperInvariant(name[i]));
        }

        return code.ToString();
    }
}

/// <summary>Writes errors with a single <c>code</c> and, for engine failures, <c>mcpCode</c>, <c>path</c> and <c>data</c>.</summary>
public sealed class ContextHubErrorInfoProvider() : ErrorInfoProvider(new ErrorInfoProviderOptions { ExposeCodes = false, ExposeData = false })
{
    public override ErrorInfo GetInfo(ExecutionError executionError)
    {
        var info = base.GetInfo(executionError);
        if (executionError is McpGraphQLError mcp)
        {
            var extensions = info.Extensions ?? new Dictionary<string, object?>();
            extensions["mcpCode"] = mcp.McpCode;
            if (mcp.McpPath is not null)
            {
                extensions["path"] = mcp.McpPath;
            }

            if (mcp.McpData is not null)
            {
                extensions["data"] = mcp.McpData;
            }

            info.Extensions = extensions;
        }

        return info;
    }
}
