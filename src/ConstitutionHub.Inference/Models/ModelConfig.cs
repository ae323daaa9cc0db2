using System.Text.Json;

namespace ConstitutionHub.Inference.Models;

/// <summary>
/// The fields of config.json (and generation_config.json) that generation needs, for the Qwen2, Llama, Mistral, Phi-3
/// and Gemma families. Unknown fields are ignored; a nested <c>text_config</c> (multimodal Gemma) supplies what the
/// top level lacks.
/// </summary>
public sealed record ModelConfig(
    string ModelType,
    int HiddenSize,
    int NumAttentionHeads,
    int NumKeyValueHeads,
    int HeadDim,
    int NumHiddenLayers,
    int MaxPositionEmbeddings,
    int VocabSize,
    bool TieWordEmbeddings,
    IReadOnlyList<int> EosTokenIds,
    int? BosTokenId)
{
    /// <summary>
    /// The sampling fields of generation_config.json that vLLM takes as a model's defaults (temperature, top_k, top_p,
    /// min_p, repetition_penalty, max_new_tokens); null where the file says nothing.
    /// </summary>
    public GenerationDefaults Generation { get; init; } = new();

    /// <summary>Parses config.json, then lets generation_config.json (when given) override the eos and bos ids.</summary>
    public static ModelConfig Parse(string configJson, string? generationConfigJson = null)
    {
        using var doc = ParseObject(configJson, "config.json");
        var root = doc.RootElement;
        var text = root.TryGetProperty("text_config", out var t) && t.ValueKind == JsonValueKind.Object ? t : default;

        int Int(string name, int? fallback = null)
        {
            return ReadInt(root, name) ?? ReadInt(text, name) ?? fallback ?? throw new InvalidDataException($"config.json has no integer \"{name}\".");
        }

        int hidden = Int("hidden_size");
        int heads = Int("num_attention_heads");
        int kvHeads = Int("num_key_value_heads", heads);
        int headDim = Int("head_dim", heads > 0 ? hidden / heads : 0);
        if (hidden <= 0 || heads <= 0 || kvHeads <= 0 || headDim <= 0 || heads % kvHeads != 0)
        {
            throw new InvalidDataException($"config.json has inconsistent attention sizes (hidden_size {hidden}, heads {heads}, key/value heads {kvHeads}, head_dim {headDim}).");
        }
        var eos = ReadIds(root, "eos_token_id") ?? ReadIds(text, "eos_token_id") ?? [];
        int? bos = ReadInt(root, "bos_token_id") ?? ReadInt(text, "bos_token_id");
        var generation = new GenerationDefaults();
        if (generationConfigJson is not null)
        {
            using var gen = ParseObject(generationConfigJson, "generation_config.json");
            var g = gen.RootElement;
            eos = ReadIds(g, "eos_token_id") ?? eos;
            bos = ReadInt(g, "bos_token_id") ?? bos;
            generation = new GenerationDefaults(ReadDouble(g, "temperature"), ReadInt(g, "top_k"), ReadDouble(g, "top_p"),
                ReadDouble(g, "min_p"), ReadDouble(g, "repetition_penalty"), ReadInt(g, "max_new_tokens"));
        }
        string modelType = ReadString(root, "model_type") ?? ReadString(text, "model_type") ?? "unknown";
        return new ModelConfig(
            modelType, hidden, heads, kvHeads, headDim,
            Int("num_hidden_layers"),
            Int("max_position_embeddings", 2048),
            Int("vocab_size"),
            ReadBool(root, "tie_word_embeddings") ?? ReadBool(text, "tie_word_embeddings") ?? false,
            eos, bos) { Generation = generation };
    }

    private static JsonDocument ParseObject(string json, string file)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip, MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{file} is not valid JSON: {e.Message}", e);
        }
        if (doc.RootElement.ValueKind != JsonValueKind.Object)
        {
            doc.Dispose();
            throw new InvalidDataException($"{file} must be a JSON object.");
        }
        return doc;
    }

    private static int? ReadInt(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i) ? i : null;

    private static double? ReadDouble(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    private static string? ReadString(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static bool? ReadBool(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : null;

    /// <summary>eos_token_id is an integer or a list of integers.</summary>
    private static IReadOnlyList<int>? ReadIds(JsonElement e, string name)
    {
        if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(name, out var v)) return null;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int one)) return [one];
        if (v.ValueKind == JsonValueKind.Array)
        {
            return v.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.Number && x.TryGetInt32(out _)).Select(x => x.GetInt32()).ToList();
        }
        return null;
    }
}

/// <summary>Sampling defaults a model folder's generation_config.json gives; null fields were not given.</summary>
public sealed record GenerationDefaults(
    double? Temperature = null,
    int? TopK = null,
    double? TopP = null,
    double? MinP = null,
    double? RepetitionPenalty = null,
    int? MaxNewTokens = null)
{
    /// <summary>These over <paramref name="fallback"/>; values out of range are ignored (the file is untrusted).</summary>
    public SamplingSettings Over(SamplingSettings fallback)
    {
        var result = fallback with
        {
            Temperature = Temperature ?? fallback.Temperature,
            TopK = TopK ?? fallback.TopK,
            TopP = TopP ?? fallback.TopP,
            MinP = MinP ?? fallback.MinP,
            RepetitionPenalty = RepetitionPenalty ?? fallback.RepetitionPenalty,
            MaxNewTokens = MaxNewTokens is > 0 and var n ? Math.Min(n, SamplingSettings.MaxNewTokensLimit) : fallback.MaxNewTokens,
        };
        try
        {
            result.Validate();
            return result;
        }
        catch (InferenceException)
        {
            return fallback;
        }
    }
}
