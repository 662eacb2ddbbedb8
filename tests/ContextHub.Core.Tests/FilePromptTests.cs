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
    public async Task An_optional_argument_not_given_is_false_in_an_if_and_given_is_true()
    {
        var prompt = FilePrompt.Parse("focus.md", "---\narguments:\n  - name: focus\n---\nReview{% if focus %}, looking first at {{ focus }}{% endif %}.");

        var without = await prompt.RenderAsync(Context(), new Dictionary<string, string>());
        var with = await prompt.RenderAsync(Context(), new Dictionary<string, string> { ["focus"] = "bugs" });

        Assert.Equal("Review.", Assert.IsType<TextContentBlock>(Assert.Single(without.Messages).Content).Text);
        Assert.Equal("Review, looking first at bugs.", Assert.IsType<TextContentBlock>(Assert.Single(with.Messages).Content).Text);
    }

    [Fact]
    public void Completes_from_the_declared_values() =>
        Assert.Equal(["python", "perl"], FilePrompt.Parse("review.md", Review).Complete("language", "p", new Dictionary<string, string>()));

    [Fact]
    public void Reads_every_field_of_the_front_matter_and_ignores_unknown_keys()
    {
        var prompt = FilePrompt.Parse("full.md", """
            ---
            name: full
            title: "Full: quoted"
            description: >
              Folded
              text.
            version: 3
            tags: [a, b]
            arguments:
              - name: count
                title: How many
                description: A number.
                required: yes
                values: [1, 2, 10]
              - name: mode
                required: False
                values:
                  - fast
                  - "null"
              - name: plain
            ---
            {{ count }}
            """);

        Assert.Equal("full", prompt.Definition.Name);
        Assert.Equal("Full: quoted", prompt.Definition.Title);
        Assert.Equal("Folded text.\n", prompt.Definition.Description);
        var arguments = prompt.Definition.Arguments!;
        Assert.Equal(["count", "mode", "plain"], arguments.Select(a => a.Name));
        Assert.Equal("How many", arguments[0].Title);
        Assert.Equal("A number.", arguments[0].Description);
        Assert.Equal([true, false, false], arguments.Select(a => a.Required));
        Assert.Equal(["1", "10"], prompt.Complete("count", "1", new Dictionary<string, string>()));
        Assert.Equal(["null"], prompt.Complete("mode", "n", new Dictionary<string, string>()));
    }

    [Theory]
    [InlineData("---\nname: ~\ntitle:\n---\nbody")]
    [InlineData("---\n# only a comment\n---\nbody")]
    public void Empty_front_matter_takes_the_name_from_the_file(string text)
    {
        var prompt = FilePrompt.Parse("empty.md", text);

        Assert.Equal("empty", prompt.Definition.Name);
        Assert.Null(prompt.Definition.Title);
        Assert.Null(prompt.Definition.Arguments);
    }

    [Theory]
    [InlineData("no front matter", "front matter")]
    [InlineData("---\nname: [unclosed\n---\nbody", "YAML")]
    [InlineData("---\narguments:\n  - title: no name\n---\nbody", "needs a name")]
    [InlineData("---\n- a list\n---\nbody", "is a YAML mapping")]
    [InlineData("---\nname: a\nname: b\n---\nbody", "YAML")]
    [InlineData("---\nname: [a, b]\n---\nbody", "'name' is text")]
    [InlineData("---\narguments: just text\n---\nbody", "'arguments' is a list")]
    [InlineData("---\narguments:\n  - plain\n---\nbody", "'arguments[0]' is a mapping")]
    [InlineData("---\narguments:\n  - name: a\n    required: maybe\n---\nbody", "'arguments[0].required' is true or false, not 'maybe'")]
    [InlineData("---\narguments:\n  - name: a\n    values: [[x]]\n---\nbody", "'arguments[0].values[0]' is text")]
    [InlineData("---\narguments:\n  - name: a\n    title: {x: 1}\n---\nbody", "'arguments[0].title' is text")]
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
