using System.Text.Json;

namespace ConstitutionHub.Inference.Tokenization;

/// <summary>
/// Pre-tokenizers that cut text into runs of character classes. Each mirrors a transformers.js regex, noted on the
/// class, and reproduces it exactly, including where it works on UTF-16 units rather than code points.
/// </summary>
internal static class Runs
{
    /// <summary>Appends the maximal runs of equal class; runs whose class is <paramref name="dropped"/> are left out.</summary>
    /// <param name="classify">The class of the character at an index; <paramref name="single"/> classes never form runs.</param>
    public static void Split(string text, List<string> output, Func<string, int, int> classify, int dropped = -1, int single = -2,
        bool codePoints = true)
    {
        int start = 0;
        int current = int.MinValue;
        for (int i = 0; i < text.Length;)
        {
            int length = codePoints ? CharClasses.LengthAt(text, i) : 1;
            int cls = classify(text, i);
            if (cls != current || cls == single)
            {
                if (i > start && current != dropped) output.Add(text[start..i]);
                start = i;
                current = cls;
            }
            i += length;
        }
        if (text.Length > start && current != dropped) output.Add(text[start..]);
    }
}

/// <summary>transformers.js: <c>text.match(/\w+|[^\w\s]+/g)</c>, ASCII word characters, per UTF-16 unit.</summary>
internal sealed class WhitespacePreTokenizer : PreTokenizer
{
    public override void PreTokenize(string text, int sectionIndex, List<string> output) =>
        Runs.Split(text, output, static (t, i) => CharClasses.IsAsciiWord(t[i]) ? 0 : JsText.IsJsWhiteSpace(t[i]) ? 1 : 2,
            dropped: 1, codePoints: false);
}

/// <summary>transformers.js: <c>text.match(/\S+/g)</c>, i.e. split on JavaScript white space.</summary>
internal sealed class WhitespaceSplitPreTokenizer : PreTokenizer
{
    public override void PreTokenize(string text, int sectionIndex, List<string> output) =>
        Runs.Split(text, output, static (t, i) => JsText.IsJsWhiteSpace(t[i]) ? 1 : 0, dropped: 1, codePoints: false);
}

/// <summary>
/// transformers.js: <c>/[^P]+|[P]+/gu</c> with P its punctuation class: runs of punctuation and runs of the rest.
/// (transformers.js ignores "behavior", so a run of punctuation stays one piece whatever the file says.)
/// </summary>
internal sealed class PunctuationPreTokenizer : PreTokenizer
{
    public override void PreTokenize(string text, int sectionIndex, List<string> output) =>
        Runs.Split(text, output, static (t, i) => CharClasses.IsPunctuationAt(t, i) ? 1 : 0);
}

/// <summary>transformers.js: <c>/[^\d]+|\d+/gu</c>, or each digit alone with individual_digits; \d is ASCII 0-9.</summary>
internal sealed class DigitsPreTokenizer(bool individualDigits) : PreTokenizer
{
    public bool IndividualDigits => individualDigits;

    public override void PreTokenize(string text, int sectionIndex, List<string> output) =>
        Runs.Split(text, output, static (t, i) => char.IsAsciiDigit(t[i]) ? 1 : 0, single: individualDigits ? 1 : -2);

    public override bool TrySplitRanges(string text, List<(int Start, int Length)> ranges, out bool byteLevel)
    {
        byteLevel = false;
        int start = 0;
        for (int i = 0; i < text.Length; i++)
        {
            bool digit = char.IsAsciiDigit(text[i]);
            bool boundary = i > start && (digit != char.IsAsciiDigit(text[i - 1]) || (digit && individualDigits));
            if (boundary)
            {
                ranges.Add((start, i - start));
                start = i;
            }
        }
        if (text.Length > start) ranges.Add((start, text.Length - start));
        return true;
    }
}

/// <summary>
/// BERT's basic split, as transformers.js does it: <c>text.trim().match(/[^\sP]+|[P]/gu)</c>: words between white
/// space, each punctuation character on its own.
/// </summary>
internal sealed class BertPreTokenizer : PreTokenizer
{
    public override void PreTokenize(string text, int sectionIndex, List<string> output) =>
        Runs.Split(JsText.Trim(text), output,
            static (t, i) => CharClasses.IsPunctuationAt(t, i) ? 2 : JsText.IsJsWhiteSpace(t[i]) ? 1 : 0, dropped: 1, single: 2);
}

/// <summary>Rust tokenizers' CharDelimiterSplit (transformers.js has none): split on one character, which is removed.</summary>
internal sealed class CharDelimiterSplitPreTokenizer(string delimiter) : PreTokenizer
{
    public override void PreTokenize(string text, int sectionIndex, List<string> output)
    {
        foreach (string piece in text.Split(delimiter, StringSplitOptions.None))
        {
            if (piece.Length > 0) output.Add(piece);
        }
    }

    public static CharDelimiterSplitPreTokenizer FromConfig(JsonElement config)
    {
        string? delimiter = Json.String(config, "delimiter");
        if (delimiter is null || delimiter.Length == 0 || delimiter.Length > 2 || (delimiter.Length == 2 && !char.IsSurrogatePair(delimiter, 0)))
        {
            throw new TokenizerException("A CharDelimiterSplit pre_tokenizer needs a \"delimiter\" of one character.");
        }
        return new CharDelimiterSplitPreTokenizer(delimiter);
    }
}

/// <summary>transformers.js: the text with a pattern replaced, as one pre-token.</summary>
internal sealed class ReplacePreTokenizer(HfPattern pattern, string content) : PreTokenizer
{
    public override void PreTokenize(string text, int sectionIndex, List<string> output) => output.Add(pattern.ReplaceAll(text, content));
}

/// <summary>transformers.js: pieces of <c>length</c> UTF-16 units (<c>text.slice(i, i + length)</c>).</summary>
internal sealed class FixedLengthPreTokenizer(int length) : PreTokenizer
{
    public override void PreTokenize(string text, int sectionIndex, List<string> output)
    {
        for (int i = 0; i < text.Length; i += length) output.Add(text.Substring(i, Math.Min(length, text.Length - i)));
    }
}
