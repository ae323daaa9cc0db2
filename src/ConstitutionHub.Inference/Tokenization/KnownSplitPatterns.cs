using System.Globalization;

namespace ConstitutionHub.Inference.Tokenization;

/// <summary>
/// Hand-written matchers for the split patterns almost every byte-level tokenizer uses (GPT-2's, Llama 3's and
/// Qwen2's). They return exactly the matches of the regex (leftmost alternative first, with the same backtracking),
/// which HfRegexTests checks on random text, at a fraction of the cost of running the regex.
/// </summary>
internal sealed class KnownSplitPatterns
{
    public const string Llama3 = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";
    public const string Qwen2 = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    private enum Kind : byte { Other, Letter, Number, Space }

    private readonly bool gpt2;
    private readonly int maxDigits;
    private readonly bool jsWhiteSpace;

    private KnownSplitPatterns(bool gpt2, int maxDigits, bool jsWhiteSpace)
    {
        this.gpt2 = gpt2;
        this.maxDigits = maxDigits;
        this.jsWhiteSpace = jsWhiteSpace;
    }

    /// <summary>GPT-2's pattern as transformers.js writes it (a JavaScript regex, so JavaScript's \s).</summary>
    public static KnownSplitPatterns Gpt2 { get; } = new(gpt2: true, maxDigits: int.MaxValue, jsWhiteSpace: true);

    public static KnownSplitPatterns? ForRegex(string hfRegex) => hfRegex switch
    {
        Llama3 => new KnownSplitPatterns(gpt2: false, maxDigits: 3, jsWhiteSpace: false),
        Qwen2 => new KnownSplitPatterns(gpt2: false, maxDigits: 1, jsWhiteSpace: false),
        ByteLevelPreTokenizer.Gpt2Pattern => Gpt2,
        _ => null,
    };

    // The kind of every BMP character, white space included (JavaScript's or .NET's set), so that the scanner does
    // one table read per character.
    private static readonly Kind[] JsKinds = BuildKinds(JsText.IsJsWhiteSpace);
    private static readonly Kind[] NetKinds = BuildKinds(char.IsWhiteSpace);

    private static Kind[] BuildKinds(Func<char, bool> isSpace)
    {
        var kinds = new Kind[65536];
        for (int c = 0; c < 65536; c++)
        {
            kinds[c] = isSpace((char)c) ? Kind.Space : CategoryKind(CharUnicodeInfo.GetUnicodeCategory((char)c));
        }
        return kinds;
    }

    private Kind[] Kinds => this.jsWhiteSpace ? JsKinds : NetKinds;

    private static Kind CategoryKind(UnicodeCategory cat) => cat switch
    {
        UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
            or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => Kind.Letter,
        UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => Kind.Number,
        _ => Kind.Other,
    };

    private bool IsSpace(char c) => this.jsWhiteSpace ? JsText.IsJsWhiteSpace(c) : char.IsWhiteSpace(c);

    /// <summary>Kind of the code point at <paramref name="i"/> and its length in UTF-16 units.</summary>
    private Kind KindAt(string s, int i, out int length)
    {
        char c = s[i];
        if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
        {
            length = 2;
            return CategoryKind(CharUnicodeInfo.GetUnicodeCategory(char.ConvertToUtf32(c, s[i + 1])));
        }
        length = 1;
        return Kinds[c];
    }

    private int RunOf(string s, int i, Kind kind, int max = int.MaxValue)
    {
        int count = 0;
        while (i < s.Length && count < max && KindAt(s, i, out int len) == kind)
        {
            i += len;
            count++;
        }
        return i;
    }

    /// <summary>Appends every match, in order, without the enumerator (the tokenizer's hot path).</summary>
    public void AddMatches(string s, List<(int Start, int Length)> ranges)
    {
        int i = 0;
        while (i < s.Length)
        {
            int end = MatchAt(s, i);
            ranges.Add((i, end - i));
            i = end;
        }
    }

    public IEnumerable<(int Index, int Length)> Matches(string s)
    {
        int i = 0;
        while (i < s.Length)
        {
            int end = MatchAt(s, i);
            yield return (i, end - i);
            i = end;
        }
    }

    private int MatchAt(string s, int i)
    {
        int contraction = Contraction(s, i);
        if (contraction > 0) return i + contraction;
        return this.gpt2 ? Gpt2At(s, i) : Llama3At(s, i);
    }

    /// <summary>'s|'t|'re|'ve|'m|'ll|'d, ASCII case-insensitive except in GPT-2's pattern.</summary>
    private int Contraction(string s, int i)
    {
        if (s[i] != '\'' || i + 1 >= s.Length) return 0;
        char a = Fold(s[i + 1]);
        char b = i + 2 < s.Length ? Fold(s[i + 2]) : '\0';
        if (a is 's' or 't' or 'm' or 'd') return 2;
        if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
        return 0;
    }

    private char Fold(char c) => this.gpt2 ? c : c is >= 'A' and <= 'Z' ? (char)(c + 32) : c;

    private int Llama3At(string s, int i)
    {
        Kind k = KindAt(s, i, out int len);
        // [^\r\n\p{L}\p{N}]?\p{L}+
        if (k == Kind.Letter) return RunOf(s, i, Kind.Letter);
        if (k != Kind.Number && s[i] != '\r' && s[i] != '\n' && i + len < s.Length && KindAt(s, i + len, out _) == Kind.Letter)
        {
            return RunOf(s, i + len, Kind.Letter);
        }
        // \p{N}{1,3} (or \p{N})
        if (k == Kind.Number) return RunOf(s, i, Kind.Number, this.maxDigits);
        //  ?[^\s\p{L}\p{N}]+[\r\n]*
        int p = s[i] == ' ' && i + 1 < s.Length && KindAt(s, i + 1, out _) == Kind.Other ? i + 1 : i;
        if (KindAt(s, p, out _) == Kind.Other)
        {
            int j = RunOf(s, p, Kind.Other);
            while (j < s.Length && s[j] is '\r' or '\n') j++;
            return j;
        }
        // \s*[\r\n]+ | \s+(?!\S) | \s+
        return WhiteSpaceAt(s, i, newlines: true);
    }

    private int Gpt2At(string s, int i)
    {
        Kind k = KindAt(s, i, out _);
        if (s[i] == ' ' && i + 1 < s.Length)
        {
            Kind next = KindAt(s, i + 1, out _);
            if (next != Kind.Space) return RunOf(s, i + 1, next); //  ?\p{L}+ |  ?\p{N}+ |  ?[^\s\p{L}\p{N}]+
        }
        if (k != Kind.Space) return RunOf(s, i, k);
        return WhiteSpaceAt(s, i, newlines: false);
    }

    private int WhiteSpaceAt(string s, int i, bool newlines)
    {
        int j = i;
        while (j < s.Length && IsSpace(s[j])) j++;
        if (newlines)
        {
            // \s*[\r\n]+: the greedy \s* gives back characters until the last line break of the run.
            for (int k = j - 1; k >= i; k--)
            {
                if (s[k] is '\r' or '\n') return k + 1;
            }
        }
        // \s+(?!\S): the whole run at the end of the text, else all but its last character (when that leaves one).
        if (j == s.Length || j - i < 2) return j;
        return j - 1;
    }
}
