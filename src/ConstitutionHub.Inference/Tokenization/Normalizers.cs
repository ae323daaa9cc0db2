using System.Text.Json;

namespace ConstitutionHub.Inference.Tokenization;

/// <summary>A tokenizer.json "normalizer" (transformers.js: src/core/normalizer).</summary>
internal abstract class Normalizer
{
    public abstract string Normalize(string text);

    public static Normalizer? Create(JsonElement config)
    {
        if (Json.IsNull(config))
        {
            return null;
        }
        string type = Json.Type(config, "normalizer");
        return type switch
        {
            "Sequence" => new SequenceNormalizer([.. Json.Array(config, "normalizers").Select(Create).OfType<Normalizer>()]),
            "NFC" => new UnicodeFormNormalizer(UnicodeNormalization.Form.Nfc),
            "NFD" => new UnicodeFormNormalizer(UnicodeNormalization.Form.Nfd),
            "NFKC" => new UnicodeFormNormalizer(UnicodeNormalization.Form.Nfkc),
            "NFKD" => new UnicodeFormNormalizer(UnicodeNormalization.Form.Nfkd),
            "Lowercase" => new LowercaseNormalizer(),
            "Prepend" => new PrependNormalizer(Json.String(config, "prepend") ?? ""),
            "Replace" => new ReplaceNormalizer(HfPattern.Create(Json.Prop(config, "pattern"), invert: true, "Replace normalizer"), Json.String(config, "content") ?? ""),
            "Strip" => new StripNormalizer(Json.Bool(config, "strip_left") ?? false, Json.Bool(config, "strip_right") ?? false),
            _ => throw new TokenizerException($"The normalizer type '{type}' is not supported (supported: Sequence, NFC, NFD, NFKC, NFKD, Lowercase, Prepend, Replace, Strip)."),
        };
    }
}

internal sealed class SequenceNormalizer(Normalizer[] normalizers) : Normalizer
{
    public override string Normalize(string text)
    {
        foreach (var n in normalizers)
        {
            text = n.Normalize(text);
        }
        return text;
    }
}

internal sealed class UnicodeFormNormalizer(UnicodeNormalization.Form form) : Normalizer
{
    public override string Normalize(string text) => UnicodeNormalization.Normalize(text, form);
}

internal sealed class LowercaseNormalizer : Normalizer
{
    public override string Normalize(string text) => JsText.ToLower(text);
}

internal sealed class PrependNormalizer(string prepend) : Normalizer
{
    public override string Normalize(string text) => prepend + text;
}

internal sealed class ReplaceNormalizer(HfPattern pattern, string content) : Normalizer
{
    public override string Normalize(string text) => pattern.ReplaceAll(text, content);
}

internal sealed class StripNormalizer(bool left, bool right) : Normalizer
{
    public override string Normalize(string text)
    {
        if (left) text = JsText.TrimStart(text);
        if (right) text = JsText.TrimEnd(text);
        return text;
    }
}
