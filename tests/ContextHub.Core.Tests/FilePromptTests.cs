using ContextHub.Messaging;
using ContextHub.Prompts;
using ContextHub.Protocol;
using ModelContextProtocol.Protocol;

namespace ContextHub.Core.Tests;

public sealed class FilePromptTests
{
    private const string Review = """
        ---
        name: review
        title: Review
        description: Reviews code.
        arguments:
          - name: code
            required: true
          - name: language
            values: [csharp, python, perl]
        ---
        Review this {{ language | default: "code" }}:
        {{ code }}
        """;

    [Fact]
    public void Reads_front_matter_into_the_definition()
    {
        var prompt = FilePrompt.Parse("review.md", Review);

        Assert.Equal("review", prompt.Definition.Name);
        Assert.Equal("Review", prompt.Definition.Title);
        Assert.Equal(["code", "language"], prompt.Definition.Arguments!.Select(a => a.Name));
        Assert.True(prompt.Definition.Arguments![0].Required);
    }

    [Fact]
    public async Task Renders_the_liquid_body_with_arguments()
    {
        var prompt = FilePrompt.Parse("review.md", Review);

        var result = await prompt.RenderAsync(Context(), new Dictionary<string, string> { ["code"] = "x = 1" });

        var message = Assert.Single(result.Messages);
        Assert.Equal(Role.User, message.Role);
        Assert.Equal("Review this code:\nx = 1", Assert.IsType<TextContentBlock>(message.Content).Text);
    }

    [Fact]
    public void Completes_from_the_declared_values() =>
        Assert.Equal(["python", "perl"], FilePrompt.Parse("review.md", Review).Complete("language", "p", new Dictionary<string, string>()));

    [Theory]
    [InlineData("no front matter", "front matter")]
    [InlineData("---\nname: [unclosed\n---\nbody", "YAML")]
    [InlineData("---\narguments:\n  - title: no name\n---\nbody", "needs a name")]
    public void A_broken_front_matter_is_refused_with_the_reason(string text, string reason)
    {
        var error = Assert.Throws<FormatException>(() => FilePrompt.Parse("broken.md", text));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("broken.md", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_template_that_does_not_parse_loads_and_fails_each_render_with_the_reason_reported_once()
    {
        var reported = new List<string>();
        var prompt = FilePrompt.Parse("broken.md", "---\nname: broken\n---\nfine\n<!-- assistant -->\n{% if %}", reported.Add);

        Assert.Equal("broken", prompt.Definition.Name); // listed: the front matter is fine
        Assert.Empty(reported); // nothing parsed yet
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var error = await Assert.ThrowsAsync<McpErrorException>(async () => await prompt.RenderAsync(Context(), new Dictionary<string, string>()));
            Assert.Equal((int)ModelContextProtocol.McpErrorCode.InternalError, error.Code);
            Assert.StartsWith("Internal error: prompt 'broken' cannot be rendered: message 2 (assistant) is not a valid Liquid template: ", error.Message, StringComparison.Ordinal);
        }

        Assert.StartsWith("message 2 (assistant) is not a valid Liquid template: ", Assert.Single(reported), StringComparison.Ordinal);
    }

    private static McpCallContext Context() =>
        new(new McpRequest { Method = "prompts/get", Caller = new McpCaller(McpTransportKind.InProcess) }, new EmptyServices(), CancellationToken.None);

    private sealed class EmptyServices : IServiceProvider
    {
        public object? GetService(Type serviceType) => null;
    }
}
