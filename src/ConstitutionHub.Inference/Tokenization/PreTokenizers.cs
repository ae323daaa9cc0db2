using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ConstitutionHub.Inference.Tokenization;

/// <summary>A tokenizer.json "pre_tokenizer" (transformers.js: src/core/preTokenizer).</summary>
internal abstract class PreTokenizer
{
    /// <summary>Splits <paramref name="text"/> and appends the pieces to <paramref name="output"/>.</summary>
    /// <param name="sectionIndex">Index of the section between added tokens (Metaspace's prepend_scheme "first" uses it).</param>
    public abstract void PreTokenize(string text, int sectionIndex, List<string> output);

    /// <summary>
    /// The pre-tokens as ranges of <paramref name="text"/> itself, when every pre-token is a slice of the text, or
    /// its byte-level form (<paramref name="byteLevel"/>). Lets the tokenizer look up a word's ids by the slice,
    /// without building strings. False when this pre-tokenizer rewrites the text otherwise.
    /// </summary>
    public virtual bool TrySplitRanges(string text, List<(int Start, int Length)> ranges, out bool byteLevel)
    {
        byteLevel = false;
        return false;
    }

    public static PreTokenizer? Create(JsonElement config)
    {
        if (Json.IsNull(config))
        {
            return null;
        }
        string type = Json.Type(config, "pre_tokenizer");
        return type switch
        {
            "Sequence" => new SequencePreTokenizer([.. Json.Array(config, "pretokenizers").Select(Create).OfType<PreTokenizer>()]),
            "ByteLevel" => new ByteLevelPreTokenizer(Json.Bool(config, "add_prefix_space") ?? false, Json.Bool(config, "use_regex") ?? true),
            "Split" => new SplitPreTokenizer(config),
            "Metaspace" => new MetaspacePreTokenizer(config),
            "Digits" => new DigitsPreTokenizer(Json.Bool(config, "individual_digits") ?? false),
            "Whitespace" => new WhitespacePreTokenizer(),
            "WhitespaceSplit" => new WhitespaceSplitPreTokenizer(),
            "Punctuation" => new PunctuationPreTokenizer(),
            "BertPreTokenizer" => new BertPreTokenizer(),
            "CharDelimiterSplit" => CharDelimiterSplitPreTokenizer.FromConfig(config),
            "UnicodeScripts" => new UnicodeScriptsPreTokenizer(),
            "Replace" => new ReplacePreTokenizer(HfPattern.Create(Json.Prop(config, "pattern"), invert: true, "Replace pre_tokenizer"), Json.String(config, "content") ?? ""),
            "FixedLength" => new FixedLengthPreTokenizer(Json.Int(config, "length") is int n and > 0 ? n
                : throw new TokenizerException("A FixedLength pre_tokenizer needs a positive \"length\".")),
            _ => throw new TokenizerException($"The pre_tokenizer type '{type}' is not supported (supported: Sequence, ByteLevel, Split, "
                + "Metaspace, Digits, Whitespace, WhitespaceSplit, Punctuation, BertPreTokenizer, CharDelimiterSplit, UnicodeScripts, Replace, FixedLength)."),
        };
    }
}

internal sealed class SequencePreTokenizer(PreTokenizer[] steps) : PreTokenizer
{
    public PreTokenizer[] Steps => steps;

    /// <summary>Split or Digits followed by a byte-level step, the shapes of Llama 3, Qwen2 and SmolLM2 files.</summary>
    public override bool TrySplitRanges(string text, List<(int Start, int Length)> ranges, out bool byteLevel)
    {
        byteLevel = false;
        if (steps.Length != 2 || steps[1] is not ByteLevelPreTokenizer last || last.AddsPrefixSpace) return false;
        int first = ranges.Count;
        if (!steps[0].TrySplitRanges(text, ranges, out bool firstIsByteLevel) || firstIsByteLevel) return false;
        byteLevel = true;
        if (!last.UsesRegex) return true;
        // The byte-level step's own regex runs within each piece of the first step.
        var pieces = ranges.GetRange(first, ranges.Count - first);
        ranges.RemoveRange(first, ranges.Count - first);
        foreach (var (start, length) in pieces)
        {
            foreach (var (index, len) in last.Gpt2Matches(text.Substring(start, length)))
            {
                if (len > 0) ranges.Add((start + index, len));
            }
        }
        return true;
    }

    public override void PreTokenize(string text, int sectionIndex, List<string> output)
    {
        var current = new List<string> { text };
        var next = new List<string>();
        foreach (var step in steps)
        {
            next.Clear();
            foreach (string piece in current)
            {
                step.PreTokenize(piece, sectionIndex, next);
            }
            (current, next) = (next, current);
        }
        output.AddRange(current);
    }
}

/// <summary>
/// GPT-2's pre-tokenizer: optionally splits with GPT-2's regex, then maps every UTF-8 byte to the byte-level alphabet.
/// trim_offsets only affects offsets, which this tokenizer does not report.
/// </summary>
internal sealed class ByteLevelPreTokenizer(bool addPrefixSpace, bool useRegex) : PreTokenizer
{
    public bool AddsPrefixSpace => addPrefixSpace;
    public bool UsesRegex => useRegex;

    internal IEnumerable<(int Index, int Length)> Gpt2Matches(string text) => Gpt2.Value.Matches(text);

    public override bool TrySplitRanges(string text, List<(int Start, int Length)> ranges, out bool byteLevel)
    {
        byteLevel = true;
        if (addPrefixSpace && !text.StartsWith(' ')) return false;
        if (!useRegex)
        {
            ranges.Add((0, text.Length));
            return true;
        }
        Gpt2.Value.AddMatches(text, ranges);
        return true;
    }

    // transformers.js hard-codes this pattern as a JavaScript literal, so \s is JavaScript's white space here,
    // not Oniguruma's; spelled out explicitly for the translator.
    private const string Ws = HfRegex.JsWhiteSpaceClassBody;
    internal const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^" + Ws + @"\p{L}\p{N}]+|[" + Ws + "]+(?![^" + Ws + "])|[" + Ws + "]+";
    private static readonly Lazy<HfPattern> Gpt2 = new(() => HfPattern.Create(
        JsonDocument.Parse(JsonSerializer.Serialize(new Dictionary<string, string> { ["Regex"] = Gpt2Pattern })).RootElement,
        invert: true, "ByteLevel pre_tokenizer"));

    public override void PreTokenize(string text, int sectionIndex, List<string> output)
    {
        if (addPrefixSpace && !text.StartsWith(' '))
        {
            text = " " + text;
        }
        if (!useRegex)
        {
            output.Add(ToByteLevel(text));
            return;
        }
        foreach (var (index, length) in Gpt2.Value.Matches(text))
        {
            if (length > 0)
            {
                output.Add(ToByteLevel(text.AsSpan(index, length)));
            }
        }
    }

    public static string ToByteLevel(ReadOnlySpan<char> text)
    {
        int max = Encoding.UTF8.GetMaxByteCount(text.Length);
        byte[]? rented = null;
        Span<byte> bytes = max <= 512 ? stackalloc byte[512] : (rented = ArrayPool<byte>.Shared.Rent(max));
        int n = Encoding.UTF8.GetBytes(text, bytes);
        string result = string.Create(n, bytes[..n], static (span, b) =>
        {
            for (int i = 0; i < span.Length; i++) span[i] = ByteLevelAlphabet.ByteToChar[b[i]];
        });
        if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        return result;
    }
}

/// <summary>
/// Splits on a pattern. Mirrors transformers.js, which treats every behavior other than "Removed" like "Isolated"
/// (the pattern pieces become separate pre-tokens), and with invert=true keeps only the matches.
/// </summary>
internal sealed class SplitPreTokenizer : PreTokenizer
{
    private readonly HfPattern pattern;
    private readonly bool invert;
    private readonly bool removed;

    public SplitPreTokenizer(JsonElement config)
    {
        this.invert = Json.Bool(config, "invert") ?? false;
        this.pattern = HfPattern.Create(Json.Prop(config, "pattern"), Json.Bool(config, "invert") ?? true, "Split pre_tokenizer");
        this.removed = string.Equals(Json.String(config, "behavior"), "removed", StringComparison.OrdinalIgnoreCase);
    }

    public override bool TrySplitRanges(string text, List<(int Start, int Length)> ranges, out bool byteLevel)
    {
        byteLevel = false;
        if (this.invert)
        {
            this.pattern.AddMatches(text, ranges);
            return true;
        }
        if (this.removed) return false;
        // The matches, then the text between them: the pieces in order.
        int first = ranges.Count;
        this.pattern.AddMatches(text, ranges);
        int last = 0;
        bool gaps = false;
        for (int k = first; k < ranges.Count && !gaps; k++)
        {
            gaps = ranges[k].Start != last;
            last = ranges[k].Start + ranges[k].Length;
        }
        if (!gaps && last == text.Length) return true;
        var matches = ranges.GetRange(first, ranges.Count - first);
        ranges.RemoveRange(first, ranges.Count - first);
        last = 0;
        foreach (var (index, length) in matches)
        {
            if (last < index) ranges.Add((last, index - last));
            ranges.Add((index, length));
            last = index + length;
        }
        if (last < text.Length) ranges.Add((last, text.Length - last));
        return true;
    }

    public override void PreTokenize(string text, int sectionIndex, List<string> output)
    {
        if (this.invert)
        {
            foreach (var (index, length) in this.pattern.Matches(text))
            {
                if (length > 0) output.Add(text.Substring(index, length));
            }
            return;
        }
        if (!this.removed)
        {
            int last = 0;
            foreach (var (index, length) in this.pattern.Matches(text))
            {
                if (last < index) output.Add(text[last..index]);
                if (length > 0) output.Add(text.Substring(index, length));
                last = index + length;
            }
            if (last < text.Length) output.Add(text[last..]);
            return;
        }
        int prev = 0;
        foreach (Match m in this.pattern.MatchObjects(text))
        {
            if (prev < m.Index)
            {
                output.Add(text[prev..m.Index]);
            }
            if (this.removed)
            {
                // String.prototype.split keeps captured groups between the pieces.
                for (int g = 1; g < m.Groups.Count; g++)
                {
                    if (m.Groups[g].Success && m.Groups[g].Length > 0) output.Add(m.Groups[g].Value);
                }
            }
            else if (m.Length > 0)
            {
                output.Add(m.Value);
            }
            prev = m.Index + m.Length;
        }
        if (prev < text.Length)
        {
            output.Add(text[prev..]);
        }
    }
}

/// <summary>
/// SentencePiece's space handling: spaces become the replacement character (U+2581) and one is prepended
/// per prepend_scheme. transformers.js keeps the result as one pre-token.
/// </summary>
internal sealed class MetaspacePreTokenizer : PreTokenizer
{
    private readonly string replacement;
    private readonly string strRep;
    private readonly string prependScheme;

    public MetaspacePreTokenizer(JsonElement config)
    {
        this.replacement = Json.String(config, "replacement") ?? "\u2581";
        string? strRep = Json.String(config, "str_rep");
        this.strRep = string.IsNullOrEmpty(strRep) ? this.replacement : strRep;
        prependScheme = Json.String(config, "prepend_scheme") ?? "always";
    }

    public string Replacement => this.replacement;

    /// <summary>
    /// Set when the vocabulary has no merge that could join across a replacement character; splitting before each
    /// one then yields the same tokens as the single pre-token transformers.js uses, and lets the word cache work.
    /// </summary>
    public bool SplitAtReplacement { get; set; }

    public override void PreTokenize(string text, int sectionIndex, List<string> output)
    {
        string normalized = text.Replace(" ", this.strRep, StringComparison.Ordinal);
        if (!normalized.StartsWith(this.replacement, StringComparison.Ordinal)
            && (prependScheme == "always" || (prependScheme == "first" && sectionIndex == 0)))
        {
            normalized = this.strRep + normalized;
        }
        if (!SplitAtReplacement || this.replacement.Length == 0)
        {
            output.Add(normalized);
            return;
        }
        int start = 0;
        while (true)
        {
            int next = start + 1 < normalized.Length ? normalized.IndexOf(this.replacement, start + 1, StringComparison.Ordinal) : -1;
            if (next < 0)
            {
                output.Add(start == 0 ? normalized : normalized[start..]);
                return;
            }
            output.Add(normalized[start..next]);
            start = next;
        }
    }
}
