using System.ComponentModel;
using System.Text.Json;

namespace ContextHub.Server.Gateway.Rest;

/// <summary>An RFC 7807 problem, with the engine's error code and the failing parameter.</summary>
[Description("An RFC 7807 problem. type is stable per kind of error; code and path come from the engine's MCP error.")]
public sealed record Problem(
    [property: Description("A URI naming the kind of error, e.g. https://contexthub.dev/problems/not-found.")] string Type,
    [property: Description("A short summary of the kind of error.")] string Title,
    [property: Description("The HTTP status code.")] int Status,
    [property: Description("What went wrong in this request.")] string? Detail,
    [property: Description("The path of the request that failed.")] string? Instance,
    [property: Description("The JSON-RPC error code the engine raised (for example -32602).")] int? Code,
    [property: Description("Where in the request the problem is, e.g. arguments.message or cursor.")] string? Path,
    [property: Description("Further data from the engine's error (for example uri or requiredCapabilities).")] JsonElement? Data);
