using System.Text;
using System.Text.Json;

namespace ConstitutionHub.Inference.Tokenization;

/// <summary>A tokenizer.json "decoder" (transformers.js: src/core/decoder): token strings in, text chunks out.</summary>
internal abstract class Decoder
{
    /// <summary>UTF-8 decoding that substitutes U+FFFD for each maximal invalid subsequence, like TextDecoder.</summary>
    protected static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    public abstract List<string> DecodeChain(List<string> tokens);

    public static Decoder? Create(JsonElement config, IReadOnlySet<string> addedTokenContents)
    {
        if (Json.IsNull(config))
        {
            return null;
        }
        string type = Json.Type(config, "decoder");
        return type switch
        {
            "Sequence" => new SequenceDecoder([.. Json.Array(config, "decoders").Select(d => Create(d, addedTokenContents)).OfType<Decoder>()]),
            "ByteLevel" => new ByteLevelDecoder(addedTokenContents),
            "ByteFallback" => new ByteFallbackDecoder(),
            "Fuse" => new FuseDecoder(),
            "Replace" => new ReplaceDecoder(HfPattern.Create(Json.Prop(config, "pattern"), invert: true, "Replace decoder"), Json.String(config, "content") ?? ""),
            "Strip" => new StripDecoder(Json.String(config, "content") ?? "", Json.Int(config, "start") ?? 0, Json.Int(config, "stop") ?? 0),
            "Metaspace" => new MetaspaceDecoder(Json.String(config, "replacement") ?? "\u2581"),
            "WordPiece" => new WordPieceDecoder(Json.String(config, "prefix"), Json.Bool(config, "cleanup") ?? false),
            "BPEDecoder" => new BpeDecoder(Json.String(config, "suffix") ?? ""),
            "CTC" => new CtcDecoder(Json.String(config, "pad_token") ?? "", Json.String(config, "word_delimiter_token") ?? "", Json.Bool(config, "cleanup") ?? false),
            _ => throw new TokenizerException($"The decoder type '{type}' is not supported (supported: Sequence, ByteLevel, ByteFallback, Fuse, "
                + "Replace, Strip, Metaspace, WordPiece, BPEDecoder, CTC)."),
        };
    }
}

internal sealed class SequenceDecoder(Decoder[] steps) : Decoder
{
    public Decoder[] Steps => steps;

    public override List<string> DecodeChain(List<string> tokens)
    {
        foreach (var step in steps) tokens = step.DecodeChain(tokens);
        return tokens;
    }
}

/// <summary>Maps byte-level characters back to bytes and decodes UTF-8; added tokens pass through as written.</summary>
internal sealed class ByteLevelDecoder(IReadOnlySet<string> addedTokenContents) : Decoder
{
    public override List<string> DecodeChain(List<string> tokens)
    {
        var result = new List<string>();
        var bytes = new List<byte>();
        foreach (string token in tokens)
        {
            if (addedTokenContents.Contains(token))
            {
                Flush(bytes, result);
                result.Add(token);
                continue;
            }
            for (int i = 0; i < token.Length; i++)
            {
                char c = token[i];
                // Characters outside the alphabet become byte 0, as Uint8Array does with undefined; an astral
                // character counts once because transformers.js iterates code points.
                short b = c < ByteLevelAlphabet.CharToByte.Length ? ByteLevelAlphabet.CharToByte[c] : (short)-1;
                bytes.Add(b < 0 ? (byte)0 : (byte)b);
                if (char.IsHighSurrogate(c) && i + 1 < token.Length && char.IsLowSurrogate(token[i + 1])) i++;
            }
        }
        Flush(bytes, result);
        return result;
    }

    private static void Flush(List<byte> bytes, List<string> result)
    {
        if (bytes.Count > 0)
        {
            result.Add(Utf8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes)));
            bytes.Clear();
        }
    }
}

/// <summary>Turns runs of &lt;0xNN&gt; tokens back into UTF-8 text.</summary>
internal sealed class ByteFallbackDecoder : Decoder
{
    public override List<string> DecodeChain(List<string> tokens)
    {
        var result = new List<string>();
        var bytes = new List<byte>();
        foreach (string token in tokens)
        {
            if (TryParseByteToken(token, out byte b))
            {
                bytes.Add(b);
                continue;
            }
            Flush(bytes, result);
            result.Add(token);
        }
        Flush(bytes, result);
        return result;
    }

    /// <summary>transformers.js: length 6, "&lt;0x" prefix, "&gt;" suffix, and parseInt of the two characters in base 16.</summary>
    internal static bool TryParseByteToken(string token, out byte value)
    {
        value = 0;
        if (token.Length != 6 || !token.StartsWith("<0x", StringComparison.Ordinal) || token[5] != '>')
        {
            return false;
        }
        // parseInt stops at the first non-hex character and fails only when there is none.
        int v = 0, digits = 0;
        for (int i = 3; i < 5 && Uri.IsHexDigit(token[i]); i++, digits++)
        {
            v = v * 16 + Convert.ToInt32(token[i].ToString(), 16);
        }
        if (digits == 0)
        {
            return false;
        }
        value = (byte)v;
        return true;
    }

    private static void Flush(List<byte> bytes, List<string> result)
    {
        if (bytes.Count == 0)
        {
            return;
        }
        string s = Utf8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes));
        // A default TextDecoder drops a leading byte order mark.
        if (s.StartsWith('\uFEFF') && bytes.Count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF)
        {
            s = s[1..];
        }
        result.Add(s);
        bytes.Clear();
    }
}

internal sealed class FuseDecoder : Decoder
{
    public override List<string> DecodeChain(List<string> tokens) => [string.Concat(tokens)];
}

internal sealed class ReplaceDecoder(HfPattern pattern, string content) : Decoder
{
    public override List<string> DecodeChain(List<string> tokens) => tokens.ConvertAll(t => pattern.ReplaceAll(t, content));
}

/// <summary>Removes up to <c>start</c> leading and <c>stop</c> trailing occurrences of one character from each chunk.</summary>
internal sealed class StripDecoder(string content, int start, int stop) : Decoder
{
    public int Stop => stop;
    public string Content => content;

    public override List<string> DecodeChain(List<string> tokens)
    {
        return tokens.ConvertAll(token =>
        {
            int startCut = 0;
            for (int i = 0; i < start && i < token.Length; i++)
            {
                if (content.Length == 1 && token[i] == content[0]) startCut = i + 1;
                else break;
            }
            int stopCut = token.Length;
            for (int i = 0; i < stop; i++)
            {
                int index = token.Length - i - 1;
                if (index >= 0 && content.Length == 1 && token[index] == content[0]) stopCut = index;
                else break;
            }
            return stopCut <= startCut ? "" : token[startCut..stopCut];
        });
    }
}

/// <summary>Replacement character back to spaces; the first chunk loses one leading space.</summary>
internal sealed class MetaspaceDecoder(string replacement) : Decoder
{
    public override List<string> DecodeChain(List<string> tokens)
    {
        var result = new List<string>(tokens.Count);
        for (int i = 0; i < tokens.Count; i++)
        {
            string normalized = tokens[i].Replace(replacement, " ", StringComparison.Ordinal);
            if (i == 0 && normalized.StartsWith(' '))
            {
                normalized = normalized[1..];
            }
            result.Add(normalized);
        }
        return result;
    }
}

/// <summary>Joins WordPiece tokens: a continuation loses its prefix, any other token after the first gets a space.</summary>
internal sealed class WordPieceDecoder(string? prefix, bool cleanup) : Decoder
{
    public override List<string> DecodeChain(List<string> tokens)
    {
        var result = new List<string>(tokens.Count);
        for (int i = 0; i < tokens.Count; i++)
        {
            string token = tokens[i];
            if (i != 0)
            {
                // String.prototype.replace with a string replaces the first occurrence, which startsWith puts at 0.
                token = !string.IsNullOrEmpty(prefix) && token.StartsWith(prefix, StringComparison.Ordinal) ? token[prefix.Length..] : " " + token;
            }
            result.Add(cleanup ? Tokenizer.CleanUpTokenization(token) : token);
        }
        return result;
    }
}

/// <summary>Classic BPE's end-of-word suffix ("&lt;/w&gt;") becomes a space, except in the last token, where it goes.</summary>
internal sealed class BpeDecoder(string suffix) : Decoder
{
    public override List<string> DecodeChain(List<string> tokens)
    {
        var result = new List<string>(tokens.Count);
        for (int i = 0; i < tokens.Count; i++)
        {
            // replaceAll("") inserts the replacement between every character, as JavaScript does.
            result.Add(JsText.ReplaceAll(tokens[i], suffix, i == tokens.Count - 1 ? "" : " "));
        }
        return result;
    }
}

/// <summary>
/// Connectionist temporal classification output: repeated tokens collapse, padding goes, and with cleanup the
/// word delimiter becomes a space and the text is cleaned and trimmed.
/// </summary>
internal sealed class CtcDecoder(string padToken, string wordDelimiter, bool cleanup) : Decoder
{
    public override List<string> DecodeChain(List<string> tokens)
    {
        if (tokens.Count == 0) return [""];
        var sb = new System.Text.StringBuilder();
        string? previous = null;
        foreach (string token in tokens)
        {
            if (token == previous) continue;
            previous = token;
            if (token != padToken) sb.Append(token);
        }
        string text = sb.ToString();
        if (cleanup)
        {
            text = JsText.Trim(JsText.ReplaceAll(Tokenizer.CleanUpTokenization(text), wordDelimiter, " "));
        }
        return [text];
    }
}
