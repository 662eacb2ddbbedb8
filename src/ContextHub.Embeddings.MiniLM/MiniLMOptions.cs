namespace ContextHub.Embeddings.MiniLM;

/// <summary>How the local model runs; bound from <see cref="Section"/>.</summary>
public sealed class MiniLMOptions
{
    /// <summary>The configuration section these settings are bound from.</summary>
    public const string Section = "ContextHub:Knowledge:Embeddings:MiniLM";

    /// <summary>Inputs per call into the encoder (each call pads to its longest input).</summary>
    public int BatchSize { get; set; } = 16;

    /// <summary>Inputs are cut to this many characters before tokenizing.</summary>
    public int MaxInputCharacters { get; set; } = 2000;

    /// <summary>ONNX Runtime threads per batch; 0 lets ONNX Runtime choose (one per core).</summary>
    public int IntraOpThreads { get; set; }

    /// <summary>Let ONNX Runtime keep a memory arena (a little faster, but holds the largest batch's memory for good).</summary>
    public bool CpuMemoryArena { get; set; }

    /// <summary>Let ONNX Runtime keep pre-packed copies of the weights (a little faster, more memory).</summary>
    public bool PrePacking { get; set; }

    /// <summary>
    /// How the model's weights are held: <c>Int8</c> (8-bit weights, about 65 MB less memory; the default) or <c>None</c>
    /// (the original float32 weights). Unset means <c>Int8</c>, except that a store already built with the float model
    /// keeps it (vectors of the two are not mixed). Vectors of the two are different models to a store.
    /// </summary>
    public string? Quantization { get; set; }

    /// <summary>Give back the memory that only loading needed (the model's bytes read from the package), and after each call the native heap's free memory.</summary>
    public bool ReleaseLoadingMemory { get; set; } = true;
}
