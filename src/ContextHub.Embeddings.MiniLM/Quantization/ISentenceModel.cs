namespace ContextHub.Embeddings.MiniLM.Quantization;

/// <summary>One loaded variant of the model: turns a batch of sentences into (not yet normalized) vectors.</summary>
internal interface ISentenceModel : IDisposable
{
    float[][] Encode(string[] sentences, CancellationToken cancellationToken);
}
