using ContextHub.Messaging;
using ContextHub.Prompts;
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
    [InlineData("---\nname: x\n---\n{% if %}", "template")]
    public void A_broken_file_is_refused_with_the_reason(string text, string reason)
    {
        var error = Assert.Throws<FormatException>(() => FilePrompt.Parse("broken.md", text));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("broken.md", error.Message, StringComparison.Ordinal);
    }

    private static McpCallContext Context() =>
        new(new McpRequest { Method = "prompts/get", Caller = new McpCaller(McpTransportKind.InProcess) }, new EmptyServices(), CancellationToken.None);

    private sealed class EmptyServices : IServiceProvider
    {
        public object? GetService(Type serviceType) => null;
    }
}
