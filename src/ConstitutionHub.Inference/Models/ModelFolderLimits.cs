namespace ConstitutionHub.Inference.Models;

/// <summary>Size caps for the untrusted files of a model folder.</summary>
public sealed record ModelFolderLimits
{
    /// <summary>The .onnx file plus its external data files.</summary>
    public long MaxWeightsBytes { get; init; } = 8L << 30;

    /// <summary>Each JSON file (config, tokenizer, tokenizer config, generation config, constitutionhub.json).</summary>
    public long MaxJsonBytes { get; init; } = 50L << 20;

    /// <summary>Entries walked when looking for links; a model folder holds a handful.</summary>
    public int MaxEntries { get; init; } = 10_000;
}
