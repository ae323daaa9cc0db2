using System.Text.Json;

namespace ConstitutionHub.Inference.Tokenization;

/// <summary>The parts of tokenizer_config.json that chat rendering and generation need.</summary>
public sealed class TokenizerConfig
{
    /// <summary>The template used by default: the plain string, or the entry named "default" of a template list.</summary>
    public string? ChatTemplate { get; private init; }

    /// <summary>All named templates (a plain string is stored under "default").</summary>
    public IReadOnlyDictionary<string, string> ChatTemplates { get; private init; } = new Dictionary<string, string>();

    public string? BosToken { get; private init; }
    public string? EosToken { get; private init; }
    public string? PadToken { get; private init; }
    public string? UnkToken { get; private init; }
    public bool? AddBosToken { get; private init; }
    public bool? AddEosToken { get; private init; }
    public bool? CleanUpTokenizationSpaces { get; private init; }
    public string? TokenizerClass { get; private init; }
    public long? ModelMaxLength { get; private init; }

    public static TokenizerConfig Load(string tokenizerConfigJsonPath)
    {
        string text;
        try
        {
            text = File.ReadAllText(tokenizerConfigJsonPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TokenizerException($"Cannot read tokenizer_config.json at {tokenizerConfigJsonPath}: {e.Message}", e);
        }
        try
        {
            return Parse(text);
        }
        catch (TokenizerException e)
        {
            throw new TokenizerException($"{tokenizerConfigJsonPath}: {e.Message}", e);
        }
    }

    public static TokenizerConfig Parse(string json)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new TokenizerException($"tokenizer_config.json is not valid JSON: {e.Message}", e);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new TokenizerException("tokenizer_config.json must be a JSON object.");
            }
            var templates = ReadTemplates(Json.Prop(root, "chat_template"));
            var maxLength = Json.Prop(root, "model_max_length");
            return new TokenizerConfig
            {
                ChatTemplates = templates,
                ChatTemplate = templates.TryGetValue("default", out var t) ? t : null,
                BosToken = TokenText(root, "bos_token"),
                EosToken = TokenText(root, "eos_token"),
                PadToken = TokenText(root, "pad_token"),
                UnkToken = TokenText(root, "unk_token"),
                AddBosToken = Json.Bool(root, "add_bos_token"),
                AddEosToken = Json.Bool(root, "add_eos_token"),
                CleanUpTokenizationSpaces = Json.Bool(root, "clean_up_tokenization_spaces"),
                TokenizerClass = Json.String(root, "tokenizer_class"),
                ModelMaxLength = maxLength.ValueKind == JsonValueKind.Number && maxLength.TryGetInt64(out long m) ? m : null,
            };
        }
    }

    private static Dictionary<string, string> ReadTemplates(JsonElement value)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (value.ValueKind == JsonValueKind.String)
        {
            result["default"] = value.GetString()!;
        }
        else if (value.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in value.EnumerateArray())
            {
                string? name = Json.String(item, "name");
                string? template = Json.String(item, "template");
                if (name is null || template is null)
                {
                    throw new TokenizerException("chat_template entries must be objects with string \"name\" and \"template\".");
                }
                result[name] = template;
            }
        }
        else if (value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined))
        {
            throw new TokenizerException("chat_template must be a string or a list of {name, template}.");
        }
        return result;
    }

    /// <summary>Special tokens are strings, or objects with "content" in older files.</summary>
    private static string? TokenText(JsonElement root, string name)
    {
        var v = Json.Prop(root, name);
        return v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Object => Json.String(v, "content"),
            _ => null,
        };
    }
}
