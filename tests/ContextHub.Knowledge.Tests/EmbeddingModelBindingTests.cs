using ContextHub.Knowledge.Indexes;

namespace ContextHub.Knowledge.Tests;

/// <summary>The store contract both backends and the service share: one binding per store, checked writes and queries.</summary>
public sealed class EmbeddingModelBindingTests
{
    private static readonly EmbeddingModelInfo Model = new("model-a", 4);

    [Fact]
    public async Task Concurrent_binds_record_the_model_once_and_all_see_it()
    {
        var binding = new EmbeddingModelBinding("test store");
        var records = 0;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var binds = Enumerable.Range(0, 8).Select(_ => binding.BindAsync(Model, async (m, ct) =>
        {
            Interlocked.Increment(ref records);
            await release.Task.WaitAsync(ct);
            return m;
        }, CancellationToken.None)).ToList();
        release.SetResult();
        await Task.WhenAll(binds);

        Assert.Equal(1, records);
        Assert.Equal(Model, binding.Model);
    }

    [Fact]
    public async Task Another_model_is_refused_naming_both_and_the_store()
    {
        var binding = new EmbeddingModelBinding("test store");
        await binding.BindAsync(Model, (m, _) => Task.FromResult(m), CancellationToken.None);

        var error = await Assert.ThrowsAsync<EmbeddingModelMismatchException>(() =>
            binding.BindAsync(new EmbeddingModelInfo("model-b", 4), (m, _) => Task.FromResult(m), CancellationToken.None));

        Assert.Contains("model-a", error.Message, StringComparison.Ordinal);
        Assert.Contains("model-b", error.Message, StringComparison.Ordinal);
        Assert.Contains("test store", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_model_another_process_bound_first_refuses_ours_and_leaves_the_binding_empty()
    {
        var binding = new EmbeddingModelBinding("test store");

        await Assert.ThrowsAsync<EmbeddingModelMismatchException>(() =>
            binding.BindAsync(Model, (_, _) => Task.FromResult(new EmbeddingModelInfo("model-b", 8)), CancellationToken.None));

        Assert.Null(binding.Model);
    }

    [Fact]
    public async Task A_failed_bind_can_be_tried_again()
    {
        var binding = new EmbeddingModelBinding("test store");
        await Assert.ThrowsAsync<InvalidOperationException>(() => binding.GetOrBindAsync(_ => throw new InvalidOperationException("unreachable"), CancellationToken.None));

        Assert.Equal(Model, await binding.GetOrBindAsync(_ => Task.FromResult(Model), CancellationToken.None));
    }

    [Fact]
    public async Task Writes_are_checked_before_they_start()
    {
        var binding = new EmbeddingModelBinding("test store");
        var document = new Document { Id = "d1", Source = "notes/d1", ContentHash = "0" };
        Chunk MakeChunk(string id, string documentId, int dimensions) => new() { Id = id, DocumentId = documentId, Text = "text", Embedding = new float[dimensions] };

        Assert.Throws<InvalidOperationException>(() => binding.CheckWrite(document, [MakeChunk("c1", "d1", 4)])); // not bound yet
        await binding.BindAsync(Model, (m, _) => Task.FromResult(m), CancellationToken.None);

        Assert.Equal(Model, binding.CheckWrite(document, [MakeChunk("c1", "d1", 4), MakeChunk("c2", "d1", 4)]));
        Assert.Throws<ArgumentException>(() => binding.CheckWrite(document, [MakeChunk("c1", "d2", 4)]));
        Assert.Throws<ArgumentException>(() => binding.CheckWrite(document, [MakeChunk("c1", "d1", 4), MakeChunk("c1", "d1", 4)]));
        Assert.Throws<EmbeddingModelMismatchException>(() => binding.CheckWrite(document, [MakeChunk("c1", "d1", 3)]));
        Assert.Throws<EmbeddingModelMismatchException>(() => binding.CheckQuery(new float[5]));
        binding.CheckQuery(new float[4]);
    }
}
