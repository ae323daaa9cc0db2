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
            "StripAccents" => new StripAccentsNormalizer(),
            "Precompiled" => new PrecompiledNormalizer(),
            "BertNormalizer" => new BertNormalizer(config),
            _ => throw new TokenizerException($"The normalizer type '{type}' is not supported (supported: Sequence, NFC, NFD, NFKC, NFKD, Lowercase, Prepend, Replace, Strip, StripAccents, Precompiled, BertNormalizer)."),
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

/// <summary>Removes every combining mark (transformers.js: <c>text.replace(/\p{M}/gu, "")</c>); usually after NFD.</summary>
internal sealed class StripAccentsNormalizer : Normalizer
{
    public override string Normalize(string text) => CharClasses.RemoveMarks(text, nonSpacingOnly: false);
}

/// <summary>
/// SentencePiece's precompiled character map, as transformers.js applies it: it does not read the map but
/// approximates it by removing control characters, turning white space (and U+2581) into spaces and applying NFKC,
/// except to U+FF5E, which SentencePiece's maps keep. The map in the file is therefore ignored here too.
/// </summary>
internal sealed class PrecompiledNormalizer : Normalizer
{
    public override string Normalize(string text)
    {
        var sb = new System.Text.StringBuilder(text.Length);
        foreach (char c in text)
        {
            if (c is >= '\u0001' and <= '\u0008' or '\u000B' or >= '\u000E' and <= '\u001F' or '\u007F' or '\u008F' or '\u009F') continue;
            bool space = c is '\t' or '\n' or '\f' or '\r' or '\u00A0' or '\u1680' or >= '\u2000' and <= '\u200F'
                or '\u2028' or '\u2029' or '\u202F' or '\u205F' or '\u2581' or '\u3000' or '\uFEFF' or '\uFFFD';
            sb.Append(space ? ' ' : c);
        }
        string cleaned = sb.ToString();
        if (!cleaned.Contains('\uFF5E'))
        {
            return UnicodeNormalization.Normalize(cleaned, UnicodeNormalization.Form.Nfkc);
        }
        return string.Join('\uFF5E', cleaned.Split('\uFF5E').Select(part => UnicodeNormalization.Normalize(part, UnicodeNormalization.Form.Nfkc)));
    }
}

/// <summary>
/// BERT's normalizer: drop control characters and map white space to spaces (clean_text), put spaces around CJK
/// ideographs (handle_chinese_chars), lowercase, and strip accents (by default when lowercasing).
/// </summary>
/// <remarks>
/// transformers.js's quirks are kept: clean_text judges white space per UTF-16 unit (an astral character never is),
/// and handle_chinese_chars looks at UTF-16 units, so only ideographs of the Basic Multilingual Plane get spaces.
/// </remarks>
internal sealed class BertNormalizer(JsonElement config) : Normalizer
{
    private readonly bool cleanText = Json.Bool(config, "clean_text") ?? false;
    private readonly bool chineseChars = Json.Bool(config, "handle_chinese_chars") ?? false;
    private readonly bool lowercase = Json.Bool(config, "lowercase") ?? false;
    // null (the usual value) means "follow lowercase"; only an explicit false keeps accents when lowercasing.
    private readonly bool? stripAccents = Json.Bool(config, "strip_accents");

    public override string Normalize(string text)
    {
        if (cleanText) text = CleanText(text);
        if (chineseChars) text = SpaceChineseChars(text);
        if (this.lowercase)
        {
            text = JsText.ToLower(text);
            if (stripAccents != false) text = StripAccents(text);
        }
        else if (stripAccents == true)
        {
            text = StripAccents(text);
        }
        return text;
    }

    private static string StripAccents(string text) =>
        CharClasses.RemoveMarks(UnicodeNormalization.Normalize(text, UnicodeNormalization.Form.Nfd), nonSpacingOnly: true);

    private static string CleanText(string text)
    {
        var sb = new System.Text.StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            int length = char.IsSurrogatePair(text, i) ? 2 : 1;
            char c = text[i];
            if (c is '\0' or '\uFFFD' || (c is not ('\t' or '\n' or '\r') && CharClasses.IsControlFormatPrivateOrSurrogate(text, i)))
            {
                i += length - 1;
                continue;
            }
            if (length == 1 && JsText.IsJsWhiteSpace(c)) sb.Append(' ');
            else sb.Append(text, i, length);
            i += length - 1;
        }
        return sb.ToString();
    }

    private static string SpaceChineseChars(string text)
    {
        var sb = new System.Text.StringBuilder(text.Length + 16);
        foreach (char c in text)
        {
            if (IsChineseChar(c)) sb.Append(' ').Append(c).Append(' ');
            else sb.Append(c);
        }
        return sb.ToString();
    }

    /// <summary>The CJK blocks BERT treats as Chinese characters (only the ones a UTF-16 unit can reach matter here).</summary>
    private static bool IsChineseChar(char c) => c is >= '\u4E00' and <= '\u9FFF' or >= '\u3400' and <= '\u4DBF' or >= '\uF900' and <= '\uFAFF';
}
