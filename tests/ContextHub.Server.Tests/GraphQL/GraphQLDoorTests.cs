using System.Net;
using System.Text;
using System.Text.Json;
using ContextHub.Server.Tests.Infrastructure;

namespace ContextHub.Server.Tests.GraphQL;

/// <summary>The GraphQL door at /graphql over HTTP: queries and mutations through the engine, errors, and bad input.</summary>
[Collection(ServerCollection.Name)]
public sealed class GraphQLDoorTests(TestServer server) : IDisposable
{
    private readonly GraphQLHttp _client = new(new Uri(server.BaseAddress, "/graphql"));

    [Fact]
    public async Task Lists_tools_with_their_schemas()
    {
        var body = await _client.QueryAsync("{ tools { name title description inputSchema } }");

        var tools = body.GetProperty("data").GetProperty("tools").EnumerateArray().ToList();
        var echo = Assert.Single(tools, t => t.GetProperty("name").GetString() == "echo");
        Assert.Equal("object", echo.GetProperty("inputSchema").GetProperty("type").GetString());
        Assert.True(echo.GetProperty("inputSchema").GetProperty("properties").TryGetProperty("message", out _));
        Assert.False(body.TryGetProperty("errors", out _));
    }

    [Fact]
    public async Task Gives_prompt_details_and_null_for_an_unknown_one()
    {
        var body = await _client.QueryAsync("""{ prompt(name: "code_review") { name title arguments { name required } } missing: prompt(name: "nope") { name } }""");

        var prompt = body.GetProperty("data").GetProperty("prompt");
        Assert.Equal("code_review", prompt.GetProperty("name").GetString());
        Assert.Equal("Review code", prompt.GetProperty("title").GetString());
        var code = Assert.Single(prompt.GetProperty("arguments").EnumerateArray(), a => a.GetProperty("name").GetString() == "code");
        Assert.True(code.GetProperty("required").GetBoolean());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("data").GetProperty("missing").ValueKind);
    }

    [Fact]
    public async Task Lists_resources_and_templates()
    {
        var body = await _client.QueryAsync("{ resources { uri name mimeType } resourceTemplates { uriTemplate name } }");

        Assert.Contains(body.GetProperty("data").GetProperty("resources").EnumerateArray(),
            r => r.GetProperty("uri").GetString() == "res://samples/README.md");
        Assert.Equal(JsonValueKind.Array, body.GetProperty("data").GetProperty("resourceTemplates").ValueKind);
    }

    [Fact]
    public async Task Calls_a_tool()
    {
        var body = await _client.QueryAsync("""mutation { callTool(name: "echo", arguments: { message: "hi" }) { text content isError structuredContent } }""");

        var result = body.GetProperty("data").GetProperty("callTool");
        Assert.Equal("echo: hi", result.GetProperty("text").GetString());
        Assert.Equal("echo: hi", result.GetProperty("content")[0].GetProperty("text").GetString());
        Assert.False(result.GetProperty("isError").GetBoolean());
    }

    [Fact]
    public async Task Calls_a_tool_with_variables()
    {
        var body = await _client.QueryAsync("mutation Call($name: String!, $args: JSON) { callTool(name: $name, arguments: $args) { text } }",
            new { name = "echo", args = new { message = "from variables" } });

        Assert.Equal("echo: from variables", body.GetProperty("data").GetProperty("callTool").GetProperty("text").GetString());
    }

    [Fact]
    public async Task A_failing_tool_is_data_not_a_GraphQL_error()
    {
        var body = await _client.QueryAsync("""mutation { callTool(name: "countdown", arguments: { from: 0, intervalMs: 0 }) { text isError } }""");

        Assert.False(body.TryGetProperty("errors", out _), body.ToString());
        Assert.True(body.GetProperty("data").GetProperty("callTool").GetProperty("isError").GetBoolean());
    }

    [Fact]
    public async Task Reads_a_resource()
    {
        var body = await _client.QueryAsync("""mutation { readResource(uri: "res://samples/README.md") { contents { uri mimeType text } } }""");

        var contents = body.GetProperty("data").GetProperty("readResource").GetProperty("contents")[0];
        Assert.Equal("res://samples/README.md", contents.GetProperty("uri").GetString());
        Assert.StartsWith("# ContextHub sample resources", contents.GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Renders_a_prompt()
    {
        var body = await _client.QueryAsync("""mutation { renderPrompt(name: "code_review", arguments: { code: "x = 1", language: "python" }) { description messages { role text content } } }""");

        var message = body.GetProperty("data").GetProperty("renderPrompt").GetProperty("messages")[0];
        Assert.Equal("user", message.GetProperty("role").GetString());
        Assert.Contains("x = 1", message.GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_tool_is_NOT_FOUND()
    {
        var (response, body) = await _client.PostAsync("""mutation { callTool(name: "no_such_tool", arguments: {}) { text } }""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode); // execution started
        var error = body.GetProperty("errors")[0];
        Assert.Equal("NOT_FOUND", error.GetProperty("extensions").GetProperty("code").GetString());
        Assert.Equal(-32602, error.GetProperty("extensions").GetProperty("mcpCode").GetInt32());
        Assert.Equal("name", error.GetProperty("extensions").GetProperty("path").GetString());
        Assert.Equal("callTool", error.GetProperty("path")[0].GetString());
        Assert.Contains("no_such_tool", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Arguments_that_fail_the_schema_are_INVALID_PARAMS_with_their_path()
    {
        var (response, body) = await _client.PostAsync("""mutation { callTool(name: "echo", arguments: { message: 5 }) { text } }""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var extensions = body.GetProperty("errors")[0].GetProperty("extensions");
        Assert.Equal("INVALID_PARAMS", extensions.GetProperty("code").GetString());
        Assert.Equal("arguments.message", extensions.GetProperty("path").GetString());
    }

    [Fact]
    public async Task An_unknown_resource_is_NOT_FOUND()
    {
        var (_, body) = await _client.PostAsync("""mutation { readResource(uri: "res://samples/nope.md") { contents { text } } }""");

        Assert.Equal("NOT_FOUND", body.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Queries_run_over_GET()
    {
        var (response, body) = await _client.GetAsync("{ tool(name: \"echo\") { name } }");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("echo", body.GetProperty("data").GetProperty("tool").GetProperty("name").GetString());
    }

    [Fact]
    public async Task A_mutation_over_GET_is_405()
    {
        var (response, body) = await _client.GetAsync("""mutation { callTool(name: "echo", arguments: { message: "hi" }) { text } }""");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Contains("POST", response.Content.Headers.Allow);
        Assert.False(body.TryGetProperty("data", out _));
    }

    [Fact]
    public async Task Malformed_JSON_is_400_with_either_accept()
    {
        var (strict, strictBody) = await _client.PostRawAsync("{ \"query\": ", "application/json");
        var (plain, _) = await _client.PostRawAsync("{ \"query\": ", "application/json", "application/json");

        Assert.Equal(HttpStatusCode.BadRequest, strict.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, plain.StatusCode);
        Assert.Equal("PARSE_ERROR", strictBody.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Request_errors_are_400_with_graphql_response_json_and_200_with_application_json()
    {
        var (strict, strictBody) = await _client.PostAsync("{ tools { nope } }");
        var (plain, plainBody) = await _client.PostAsync("{ tools { nope } }", accept: "application/json");

        Assert.Equal(HttpStatusCode.BadRequest, strict.StatusCode);
        Assert.Equal("application/graphql-response+json", strict.Content.Headers.ContentType?.MediaType);
        Assert.False(strictBody.TryGetProperty("data", out _));
        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        Assert.Equal("application/json", plain.Content.Headers.ContentType?.MediaType);
        Assert.True(plainBody.GetProperty("errors").GetArrayLength() > 0);
    }

    [Fact]
    public async Task A_query_deeper_than_the_limit_fails_validation_with_400()
    {
        var nested = "{ __schema { types { fields { type" + string.Concat(Enumerable.Repeat(" { ofType", 14)) + " { name }" + new string('}', 14) + " } } } }";

        var (response, body) = await _client.PostAsync(nested);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(body.TryGetProperty("data", out _));
        Assert.Contains("depth", body.GetProperty("errors")[0].GetProperty("message").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task The_standard_introspection_query_is_within_the_limits()
    {
        var (response, body) = await _client.PostAsync(IntrospectionQuery);

        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        Assert.Equal("Subscription", body.GetProperty("data").GetProperty("__schema").GetProperty("subscriptionType").GetProperty("name").GetString());
    }

    [Fact]
    public async Task Oversized_bodies_are_413()
    {
        var big = "{\"query\":\"{ tools { name } }\",\"extensions\":{\"pad\":\"" + new string('x', 70_000) + "\"}}";

        var (response, _) = await _client.PostRawAsync(big, "application/json");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Bad_media_types_are_415_and_406()
    {
        var (noType, _) = await _client.PostRawAsync("{\"query\":\"{ tools { name } }\"}", null);
        var (textPlain, _) = await _client.PostRawAsync("{\"query\":\"{ tools { name } }\"}", "text/plain");
        var (html, _) = await _client.PostRawAsync("{\"query\":\"{ tools { name } }\"}", "application/json", "text/html");

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, noType.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, textPlain.StatusCode);
        Assert.Equal(HttpStatusCode.NotAcceptable, html.StatusCode);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("{\"query\": 5}")]
    [InlineData("{\"qeury\": \"{ tools { name } }\"}")]
    [InlineData("{\"query\": \"{ tools { name } }\", \"variables\": \"x\"}")]
    [InlineData("{\"query\": \"{ tools { name } }\", \"operationName\": 1}")]
    [InlineData("")]
    public async Task Bad_request_shapes_are_400(string body)
    {
        var (response, answer) = await _client.PostRawAsync(body, "application/json", "application/json");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(answer.GetProperty("errors").GetArrayLength() > 0);
    }

    [Fact]
    public async Task Subscriptions_over_HTTP_are_refused_with_a_pointer_to_the_WebSocket()
    {
        var (response, body) = await _client.PostAsync("subscription { toolsListChanged { kind } }");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("graphql-transport-ws", body.GetProperty("errors")[0].GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Garbage_queries_never_give_500()
    {
        foreach (var query in new[] { "{", "{{{{", "query ($a: JSON) { tools { name } }", "mutation { callTool(name: 5) { text } }",
            "{ tools { name } } { tools { name } }", new string('{', 5000) })
        {
            var (response, _) = await _client.PostAsync(query, accept: "application/json");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var (binary, _) = await _client.PostRawAsync(Encoding.Latin1.GetString([0xff, 0xfe, 0x00]), "application/json");
        Assert.Equal(HttpStatusCode.BadRequest, binary.StatusCode);
    }

    public void Dispose() => _client.Dispose();

    /// <summary>The introspection query GraphiQL and graphql-js send (graphql-js getIntrospectionQuery()).</summary>
    internal const string IntrospectionQuery = """
        query IntrospectionQuery {
          __schema {
            queryType { name } mutationType { name } subscriptionType { name }
            types { ...FullType }
            directives { name description locations args { ...InputValue } }
          }
        }
        fragment FullType on __Type {
          kind name description
          fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
          inputFields { ...InputValue }
          interfaces { ...TypeRef }
          enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
          possibleTypes { ...TypeRef }
        }
        fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
        fragment TypeRef on __Type {
          kind name
          ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }
        }
        """;
}
