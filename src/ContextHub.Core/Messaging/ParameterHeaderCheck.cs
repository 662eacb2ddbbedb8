using System.Text.Json;
using ContextHub.Protocol;
using ContextHub.Tools;

namespace ContextHub.Messaging;

/// <summary>
/// SEP-2243, checked by the engine on the headers the door saw (<see cref="McpRequest.ParameterHeaders"/>): a tool argument
/// annotated <c>x-mcp-header</c> travels again as <c>Mcp-Param-{Name}</c>, so proxies can route on it; the header must be
/// there when the argument is, and must say the same thing.
/// </summary>
internal static class ParameterHeaderCheck
{
    public static McpErrorException? Check(McpRequest request, ToolRegistry registry)
    {
        if (request.ParameterHeaders is not { } headers
            || request.Method != "tools/call" || request.Session is not null || request.Params.ValueKind != JsonValueKind.Object
            || request.GetMeta(McpProtocol.Meta.ProtocolVersion).ValueKind != JsonValueKind.String
            || !request.Params.TryGetProperty("name"u8, out var name) || name.ValueKind != JsonValueKind.String
            || !registry.TryGet(name.GetString()!, out var tool) || tool.HeaderParameters.Count == 0)
        {
            return null;
        }

        request.Params.TryGetProperty("arguments"u8, out var arguments);
        foreach (var parameter in tool.HeaderParameters)
        {
            var headerName = McpRequest.ParameterHeaderPrefix + parameter.Header;
            var value = arguments.ValueKind == JsonValueKind.Object && arguments.TryGetProperty(parameter.Argument, out var v) && v.ValueKind != JsonValueKind.Null
                ? v
                : default;
            var header = headers.TryGetValue(parameter.Header, out var h) ? h : "";
            if (header.Length == 0)
            {
                if (value.ValueKind != JsonValueKind.Undefined)
                {
                    return McpHeaderValue.Mismatch($"The {headerName} header is required when arguments.{parameter.Argument} is given.");
                }

                continue;
            }

            if (McpHeaderValue.Decode(header.Trim()) is not { } decoded)
            {
                return McpHeaderValue.Mismatch($"The {headerName} header is not valid: =?base64?...?= values must be correct Base64.");
            }

            var expected = value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
                _ => null,
            };
            var same = value.ValueKind == JsonValueKind.Number && decimal.TryParse(decoded, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var number)
                ? value.TryGetDecimal(out var body) && body == number
                : decoded == expected;
            if (!same)
            {
                return McpHeaderValue.Mismatch($"The {headerName} header does not match arguments.{parameter.Argument}.");
            }
        }

        return null;
    }
}
