using ContextHub.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace ContextHub.Server.Tests.Behaviour;

/// <summary>Bad settings stop the server at start with a message that names the setting and the fix.</summary>
public sealed class ConfigurationTests
{
    [Theory]
    [InlineData("ContextHub:Server:PageSize", "0", "ContextHub:Server:PageSize is 0; use a number from 1 to 10000.")]
    [InlineData("ContextHub:Server:ToolTimeout", "-00:00:01", "ContextHub:Server:ToolTimeout")]
    [InlineData("ContextHub:Gateway:MaxRequestBodyBytes", "10", "ContextHub:Gateway:MaxRequestBodyBytes is 10; use at least 1024")]
    [InlineData("ContextHub:Gateway:AllowedOrigins:0", "not a url", "write origins as scheme://host[:port]")]
    [InlineData("ContextHub:Knowledge:Embeddings:Provider", "Magic", "ContextHub:Knowledge:Embeddings:Provider is 'Magic'; use MiniLM, OpenAI or Hashing.")]
    [InlineData("ContextHub:Knowledge:Backend", "Elasticsearch", "ContextHub:Knowledge:Elasticsearch:Url")]
    public async Task A_bad_setting_stops_the_start_and_names_itself(string key, string value, string message)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing", ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [key] = value, ["ContextHub:Samples:Enabled"] = "false" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddContextHubServer(builder.Configuration);
        await using var app = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            app.MapContextHub();
            await app.StartAsync();
        });

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}
