using System.Net;
using System.Text.Json;
using ContextHub.Server.Tests.Infrastructure;

namespace ContextHub.Server.Tests.Http;

/// <summary>SEP-2243: arguments annotated <c>x-mcp-header</c> must come again, matching, as <c>Mcp-Param-*</c> headers.</summary>
[Collection(ServerCollection.Name)]
public sealed class ParameterHeaderTests(TestServer server) : IDisposable
{
    private const string Body = """{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"test_custom_headers","arguments":{"region":"Hello"},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}""";
    private readonly McpHttpClient _client = new(server.McpEndpoint);

    [Theory]
    [InlineData(null, HttpStatusCode.BadRequest)]
    [InlineData("Hello", HttpStatusCode.OK)]
    [InlineData("  Hello  ", HttpStatusCode.OK)]
    [InlineData("=?base64?SGVsbG8=?=", HttpStatusCode.OK)]
    [InlineData("=?base64?SGVsbG8?=", HttpStatusCode.BadRequest)]
    [InlineData("=?base64?SGVs!!!bG8=?=", HttpStatusCode.BadRequest)]
    [InlineData("Goodbye", HttpStatusCode.BadRequest)]
    public async Task The_header_must_be_there_and_say_the_same(string? header, HttpStatusCode expected)
    {
        var (response, body) = await _client.PostAsync(Body, r =>
        {
            r.Headers.Add("Mcp-Method", "tools/call");
            r.Headers.Add("Mcp-Name", "test_custom_headers");
            if (header is not null)
            {
                r.Headers.TryAddWithoutValidation("Mcp-Param-Region", header);
            }
        });

        Assert.Equal(expected, response.StatusCode);
        if (expected == HttpStatusCode.OK)
        {
            Assert.Equal("region: Hello", body.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());
        }
        else
        {
            Assert.Equal(-32020, body.GetProperty("error").GetProperty("code").GetInt32());
            Assert.Equal(9, body.GetProperty("id").GetInt32());
        }
    }

    public void Dispose() => _client.Dispose();
}
