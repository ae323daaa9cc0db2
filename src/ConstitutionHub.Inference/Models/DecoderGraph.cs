using System.Text.RegularExpressions;
using ConstitutionHub.Inference.Runtime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace ConstitutionHub.Inference.Models;

/// <summary>
/// The shape of a decoder-with-KV-cache graph as transformers.js and Optimum export it, read from the session's
/// input and output names: input_ids, attention_mask, optional position_ids, past_key_values.N.key|value in, logits and
/// present.N.key|value out.
/// </summary>
internal sealed partial record DecoderGraph(
    int Layers,
    TensorElementType KvType,
    TensorElementType LogitsType,
    int KvHeads,
    int HeadDim,
    bool HasPositionIds,
    int VocabSize)
{
    [GeneratedRegex(@"^past_key_values\.(\d+)\.(key|value)$")]
    private static partial Regex PastName();

    public static DecoderGraph Inspect(IReadOnlyList<GraphIo> inputs, IReadOnlyList<GraphIo> outputs, ModelConfig config)
    {
        var inputNames = inputs.ToDictionary(i => i.Name, StringComparer.Ordinal);
        var outputNames = outputs.ToDictionary(o => o.Name, StringComparer.Ordinal);
        string found = $"inputs: {string.Join(", ", inputs.Select(i => i.Name))}; outputs: {string.Join(", ", outputs.Select(o => o.Name))}";
        if (!inputNames.ContainsKey("input_ids") || !outputNames.TryGetValue("logits", out var logits))
        {
            throw new ModelFolderException($"The graph is not a text decoder (it needs an input_ids input and a logits output; {found}).");
        }
        var past = inputs.Select(i => PastName().Match(i.Name)).Where(m => m.Success).ToList();
        if (past.Count == 0)
        {
            throw new ModelFolderException(
                $"The graph has no KV cache (past_key_values.N.key/value inputs); export it with the cache, as transformers.js models are " +
                $"(Optimum task text-generation-with-past). Found {found}.");
        }
        int layers = past.Max(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)) + 1;
        for (int layer = 0; layer < layers; layer++)
        {
            foreach (string part in new[] { "key", "value" })
            {
                if (!inputNames.ContainsKey($"past_key_values.{layer}.{part}") || !outputNames.ContainsKey($"present.{layer}.{part}"))
                {
                    throw new ModelFolderException($"The KV cache of layer {layer} is incomplete: past_key_values.{layer}.{part} and present.{layer}.{part} are both needed ({found}).");
                }
            }
        }
        var known = new HashSet<string>(["input_ids", "attention_mask", "position_ids"], StringComparer.Ordinal);
        var unknown = inputs.Where(i => !known.Contains(i.Name) && !PastName().IsMatch(i.Name)).Select(i => i.Name).ToList();
        if (unknown.Count > 0)
        {
            throw new ModelFolderException($"The graph has inputs this engine does not feed: {string.Join(", ", unknown)}.");
        }
        if (!inputNames.ContainsKey("attention_mask"))
        {
            throw new ModelFolderException($"The graph has no attention_mask input ({found}).");
        }
        var key = inputNames["past_key_values.0.key"];
        if (key.ElementType is not (TensorElementType.Float or TensorElementType.Float16))
        {
            throw new ModelFolderException($"The KV cache is {key.ElementType}; only float and float16 are supported.");
        }
        if (logits.ElementType is not (TensorElementType.Float or TensorElementType.Float16))
        {
            throw new ModelFolderException($"The logits are {logits.ElementType}; only float and float16 are supported.");
        }
        if (key.Dimensions.Length != 4)
        {
            throw new ModelFolderException($"past_key_values.0.key has {key.Dimensions.Length} dimensions; [batch, heads, past_sequence, head_dim] expected.");
        }
        int kvHeads = key.Dimensions[1] > 0 ? (int)key.Dimensions[1] : config.NumKeyValueHeads;
        int headDim = key.Dimensions[3] > 0 ? (int)key.Dimensions[3] : config.HeadDim;
        var logitDims = logits.Dimensions;
        int vocab = logitDims.Length == 3 && logitDims[2] > 0 ? (int)logitDims[2] : config.VocabSize;
        return new DecoderGraph(layers, key.ElementType, logits.ElementType, kvHeads, headDim, inputNames.ContainsKey("position_ids"), vocab);
    }
}
