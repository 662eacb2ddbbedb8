namespace ContextHub.Embeddings.MiniLM;

/// <summary>How the local model's weights are held in memory.</summary>
public enum MiniLMQuantization
{
    /// <summary>8-bit integer weights (about 23 MB instead of 87 MB), made from the float model when it loads.</summary>
#pragma warning disable CA1720 // the setting's value users write: Int8 names the weights' type on purpose
    Int8,
#pragma warning restore CA1720

    /// <summary>The original float32 weights.</summary>
    None,
}

/// <summary>Reads <see cref="MiniLMOptions.Quantization"/> (any case; names only, no numbers).</summary>
public static class MiniLMQuantizationNames
{
    public static bool TryParse(string? value, out MiniLMQuantization quantization)
    {
        quantization = MiniLMQuantization.Int8;
        var trimmed = value?.Trim();
        return !string.IsNullOrEmpty(trimmed) && !char.IsAsciiDigit(trimmed[0]) && trimmed[0] != '-'
            && Enum.TryParse(trimmed, ignoreCase: true, out quantization) && Enum.IsDefined(quantization);
    }
}
