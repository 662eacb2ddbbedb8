using ContextHub.Server.Knowledge;
using Microsoft.Extensions.Configuration;

namespace ContextHub.Server.Tests.Knowledge;

/// <summary>The local model's ONNX Runtime settings come from <c>ContextHub:Knowledge:Embeddings:MiniLM:*</c> and are checked at start.</summary>
public sealed class MiniLMSettingsTests
{
    [Fact]
    public void The_defaults_keep_the_arena_and_pre_packing_off_and_give_back_the_loading_memory()
    {
        var miniLm = Bind([]).Embeddings.MiniLM;
        Assert.False(miniLm.CpuMemoryArena);
        Assert.False(miniLm.PrePacking);
        Assert.True(miniLm.ReleaseLoadingMemory);
        Assert.Equal(0, miniLm.IntraOpThreads);
        Assert.Equal(16, miniLm.BatchSize);
        Assert.True(new KnowledgeServerOptionsValidator().Validate(null, Bind([])).Succeeded);
    }

    [Fact]
    public void Every_setting_is_bound_from_configuration()
    {
        var miniLm = Bind(new()
        {
            ["ContextHub:Knowledge:Embeddings:MiniLM:CpuMemoryArena"] = "true",
            ["ContextHub:Knowledge:Embeddings:MiniLM:PrePacking"] = "true",
            ["ContextHub:Knowledge:Embeddings:MiniLM:ReleaseLoadingMemory"] = "false",
            ["ContextHub:Knowledge:Embeddings:MiniLM:IntraOpThreads"] = "1",
            ["ContextHub:Knowledge:Embeddings:MiniLM:BatchSize"] = "4",
            ["ContextHub:Knowledge:Embeddings:MiniLM:MaxInputCharacters"] = "500",
        }).Embeddings.MiniLM;
        Assert.True(miniLm.CpuMemoryArena);
        Assert.True(miniLm.PrePacking);
        Assert.False(miniLm.ReleaseLoadingMemory);
        Assert.Equal(1, miniLm.IntraOpThreads);
        Assert.Equal(4, miniLm.BatchSize);
        Assert.Equal(500, miniLm.MaxInputCharacters);
    }

    [Theory]
    [InlineData("BatchSize", "0", "ContextHub:Knowledge:Embeddings:MiniLM:BatchSize is 0; use 1 to 256.")]
    [InlineData("BatchSize", "1000", "ContextHub:Knowledge:Embeddings:MiniLM:BatchSize is 1000; use 1 to 256.")]
    [InlineData("IntraOpThreads", "-1", "ContextHub:Knowledge:Embeddings:MiniLM:IntraOpThreads is -1; use 0 (one per core) or a thread count up to 256.")]
    [InlineData("MaxInputCharacters", "0", "ContextHub:Knowledge:Embeddings:MiniLM:MaxInputCharacters is 0; use a positive number of characters, e.g. 2000.")]
    public void A_bad_value_is_refused_at_start_naming_the_setting_and_the_fix(string setting, string value, string message)
    {
        var options = Bind(new() { [$"ContextHub:Knowledge:Embeddings:MiniLM:{setting}"] = value });
        var result = new KnowledgeServerOptionsValidator().Validate(null, options);
        Assert.True(result.Failed);
        Assert.Equal([message], result.Failures);
    }

    [Fact]
    public void The_model_settings_are_not_checked_for_another_provider()
    {
        var options = Bind(new()
        {
            ["ContextHub:Knowledge:Embeddings:Provider"] = "Hashing",
            ["ContextHub:Knowledge:Embeddings:MiniLM:BatchSize"] = "0",
        });
        Assert.True(new KnowledgeServerOptionsValidator().Validate(null, options).Succeeded);
    }

    private static KnowledgeServerOptions Bind(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var options = new KnowledgeServerOptions { DataFolder = "data" };
        configuration.GetSection(KnowledgeServerOptions.Section).Bind(options);
        return options;
    }
}
