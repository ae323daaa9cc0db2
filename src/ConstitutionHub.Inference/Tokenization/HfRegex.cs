using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace ConstitutionHub.Inference.Tokenization;

/// <summary>
/// Translates the Oniguruma-flavoured regexes found in tokenizer.json files into .NET regexes that match
/// exactly what transformers.js matches.
/// </summary>
/// <remarks>
/// Two differences drive this translation:
/// <list type="bullet">
/// <item>transformers.js runs patterns with the JavaScript <c>u</c> flag, so <c>\p{L}</c>, <c>[^...]</c> and
/// <c>.</c> see whole code points. .NET regexes see UTF-16 code units, where an astral letter such as U+1D400 is
/// two surrogates of category Cs. Every class is therefore rewritten into a BMP class plus an explicit
/// alternation of the surrogate pairs it must (or must not) match.</item>
/// <item>transformers.js rewrites Oniguruma syntax before compiling (<c>rewrite_oniguruma_to_js</c> in
/// @huggingface/tokenizers): <c>(?i:...)</c> folds ASCII letters only, possessive quantifiers and atomic groups
/// lose their possessiveness, <c>{n,m}+</c> becomes <c>(?:x{n,m})+</c>, <c>\d</c> is <c>\p{Nd}</c>. The same
/// rewrites are applied here so that both runtimes split text identically.</item>
/// </list>
/// </remarks>
internal static class HfRegex
{
    private const string AnyPair = @"[\uD800-\uDBFF][\uDC00-\uDFFF]";
    private const string LoneSurrogate = @"[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]";

    /// <summary>White space as JavaScript's <c>\s</c> defines it (used by the hard-coded GPT-2 pattern of the ByteLevel pre-tokenizer).</summary>
    public const string JsWhiteSpaceClassBody = @"\t\n\v\f\r \u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\uFEFF";

    private static readonly ConcurrentDictionary<string, string> AstralAlternations = new();

    public static Regex Compile(string hfPattern) => CompileTranslation(hfPattern, Translate(hfPattern, bmpOnly: false).Pattern);

    internal static Regex CompileTranslation(string hfPattern, string translated)
    {
        try
        {
            return new Regex(translated, RegexOptions.CultureInvariant | RegexOptions.Compiled);
        }
        catch (ArgumentException e)
        {
            throw new TokenizerException($"The regex /{hfPattern}/ could not be translated for .NET: {e.Message}", e);
        }
    }

    /// <summary>One BMP character per general category that no literal or range of the pattern mentions.</summary>
    internal static char[]? ChooseProxies(List<(int Lo, int Hi)> literals)
    {
        var proxies = new char[32];
        var found = new bool[32];
        // Start above Latin-1 so that ASCII literals and case folding never see a stand-in.
        for (int c = 0x0370; c <= 0xFFFD; c++)
        {
            if (c is >= 0xD800 and <= 0xDFFF) continue;
            int cat = (int)CharUnicodeInfo.GetUnicodeCategory((char)c);
            if (found[cat]) continue;
            bool mentioned = false;
            foreach (var (lo, hi) in literals)
            {
                if (c >= lo && c <= hi)
                {
                    mentioned = true;
                    break;
                }
            }
            if (!mentioned)
            {
                proxies[cat] = (char)c;
                found[cat] = true;
            }
        }
        foreach (UnicodeCategory cat in Enum.GetValues<UnicodeCategory>())
        {
            if (cat != UnicodeCategory.Surrogate && !found[(int)cat]) return null;
        }
        return proxies;
    }

    /// <summary>
    /// Replaces each surrogate pair by its category's stand-in; <paramref name="map"/> gives, for each index of the
    /// result (and its end), the index in <paramref name="text"/>. Lone surrogates stay as they are.
    /// </summary>
    public static string ToProxy(string text, char[] proxies, out int[] map)
    {
        var sb = new StringBuilder(text.Length);
        var offsets = new List<int>(text.Length + 1);
        for (int i = 0; i < text.Length; i++)
        {
            offsets.Add(i);
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                int cp = char.ConvertToUtf32(c, text[i + 1]);
                sb.Append(proxies[(int)CharUnicodeInfo.GetUnicodeCategory(cp)]);
                i++;
            }
            else
            {
                sb.Append(c);
            }
        }
        offsets.Add(text.Length);
        map = [.. offsets];
        return sb.ToString();
    }

    public static (string Pattern, bool HasAstralLiteral, List<(int Lo, int Hi)> LiteralRanges) Translate(string pattern, bool bmpOnly)
    {
        var translator = new Translator(pattern, bmpOnly);
        string result = translator.Run();
        return (result, translator.HasAstralLiteral, translator.LiteralRanges);
    }

    public static string Translate(string pattern) => Translate(pattern, bmpOnly: false).Pattern;

    /// <summary>The code point at <paramref name="index"/>, or the lone surrogate itself.</summary>
    internal static int CodePointAt(string s, int index)
    {
        char c = s[index];
        if (char.IsHighSurrogate(c) && index + 1 < s.Length && char.IsLowSurrogate(s[index + 1]))
        {
            return char.ConvertToUtf32(c, s[index + 1]);
        }
        return c;
    }

    private sealed class Translator(string source, bool bmpOnly)
    {
        public bool HasAstralLiteral { get; private set; }
        public List<(int Lo, int Hi)> LiteralRanges { get; } = [];

        private readonly StringBuilder @out = new();
        private readonly Stack<(int Start, bool Fold)> groups = new();
        private int atomStart = -1;
        private bool lastWasQuantifier;
        private bool fold;
        private int i;

        public string Run()
        {
            while (this.i < source.Length)
            {
                char c = source[this.i];
                switch (c)
                {
                    case '\\':
                        EmitAtom(ReadEscapeOutsideClass());
                        break;
                    case '[':
                        EmitAtom(ReadClass());
                        break;
                    case '.':
                        this.i++;
                        EmitAtom(bmpOnly ? @"[^\n]" : $@"(?:{AnyPair}|[^\n])");
                        break;
                    case '^':
                        this.i++;
                        EmitAtom("(?m:^)");
                        break;
                    case '$':
                        this.i++;
                        EmitAtom(@"(?=\n|(?![\s\S]))");
                        break;
                    case '(':
                        OpenGroup();
                        break;
                    case ')':
                        this.i++;
                        this.@out.Append(')');
                        (atomStart, fold) = this.groups.Count > 0 ? this.groups.Pop() : (-1, false);
                        lastWasQuantifier = false;
                        break;
                    case '|':
                        this.i++;
                        this.@out.Append('|');
                        atomStart = -1;
                        lastWasQuantifier = false;
                        break;
                    case '{':
                        ReadBraceQuantifier();
                        break;
                    case '}':
                        this.i++;
                        EmitAtom(@"\}");
                        break;
                    case ']':
                        this.i++;
                        EmitAtom(@"\]");
                        break;
                    case '+':
                        this.i++;
                        // A '+' right after a quantifier makes it possessive in Oniguruma; transformers.js drops it.
                        if (!lastWasQuantifier)
                        {
                            this.@out.Append('+');
                            lastWasQuantifier = true;
                        }
                        break;
                    case '*':
                    case '?':
                        this.i++;
                        this.@out.Append(c);
                        lastWasQuantifier = true;
                        break;
                    default:
                        EmitAtom(Literal(ReadCodePoint()));
                        break;
                }
            }
            return this.@out.ToString();
        }

        private void EmitAtom(string text)
        {
            atomStart = this.@out.Length;
            this.@out.Append(text);
            lastWasQuantifier = false;
        }

        private int ReadCodePoint()
        {
            int cp = CodePointAt(source, this.i);
            this.i += cp > 0xFFFF ? 2 : 1;
            return cp;
        }

        private string Literal(int cp)
        {
            LiteralRanges.Add((cp, cp));
            HasAstralLiteral |= cp > 0xFFFF;
            if (fold && cp < 128 && char.IsAsciiLetter((char)cp))
            {
                return $"[{char.ToLowerInvariant((char)cp)}{char.ToUpperInvariant((char)cp)}]";
            }
            // Astral literals become a group so a following quantifier applies to the whole code point.
            return cp > 0xFFFF ? $"(?:{char.ConvertFromUtf32(cp)})" : Regex.Escape(((char)cp).ToString());
        }

        private void OpenGroup()
        {
            this.groups.Push((this.@out.Length, fold));
            string rest = source[this.i..];
            string prefix;
            string output;
            if (rest.StartsWith("(?i:", StringComparison.Ordinal))
            {
                prefix = "(?i:";
                output = "(?:";
                fold = true;
            }
            else if (rest.StartsWith("(?>", StringComparison.Ordinal))
            {
                prefix = "(?>";
                output = "(?:";
            }
            else
            {
                Match m = Regex.Match(rest, @"^\(\?(?:<[=!]|<[A-Za-z_][A-Za-z0-9_]*>|[:=!])");
                if (m.Success)
                {
                    prefix = m.Value;
                }
                else if (rest.StartsWith("(?", StringComparison.Ordinal))
                {
                    throw Unsupported($"group syntax '{rest[..Math.Min(4, rest.Length)]}'");
                }
                else
                {
                    prefix = "(";
                }
                output = prefix;
            }
            this.@out.Append(output);
            lastWasQuantifier = false;
            this.i += prefix.Length;
        }

        private void ReadBraceQuantifier()
        {
            Match m = Regex.Match(source[this.i..], @"^\{(\d+(?:,\d*)?|,\d+)\}");
            if (!m.Success || atomStart < 0)
            {
                this.i++;
                EmitAtom(@"\{");
                return;
            }
            string body = m.Groups[1].Value.StartsWith(',') ? "0" + m.Groups[1].Value : m.Groups[1].Value;
            this.i += m.Length;
            char following = this.i < source.Length ? source[this.i] : '\0';
            if (following is '+' or '*')
            {
                // transformers.js turns "x{n,m}+" into "(?:x{n,m})+" (a repetition, not a possessive quantifier).
                string atom = this.@out.ToString(atomStart, this.@out.Length - atomStart);
                this.@out.Length = atomStart;
                this.@out.Append("(?:").Append(atom).Append('{').Append(body).Append("})").Append(following);
                this.i++;
            }
            else
            {
                this.@out.Append('{').Append(body).Append('}');
            }
            lastWasQuantifier = true;
        }

        private string ReadEscapeOutsideClass()
        {
            if (this.i + 1 >= source.Length)
            {
                throw Unsupported("a trailing backslash");
            }
            char next = source[this.i + 1];
            var set = new ClassSet();
            if (TryReadSetEscape(set))
            {
                return set.Compile(negated: false, bmpOnly);
            }
            switch (next)
            {
                case 'A': this.i += 2; return @"(?<![\s\S])";
                case 'z': this.i += 2; return @"(?![\s\S])";
                case 'Z': this.i += 2; return @"(?=\n?(?![\s\S]))";
                case 'b': this.i += 2; return @"\b";
                case 'B': this.i += 2; return @"\B";
                case 'G': this.i += 2; return "";
            }
            int cp = ReadEscapedCodePoint();
            return Literal(cp);
        }

        /// <summary>Reads escapes that stand for a set of characters (\p{..}, \s, \d, \w and their negations).</summary>
        private bool TryReadSetEscape(ClassSet set)
        {
            char next = source[this.i + 1];
            switch (next)
            {
                case 'p':
                case 'P':
                {
                    int close = source.IndexOf('}', this.i);
                    if (this.i + 2 >= source.Length || source[this.i + 2] != '{' || close < 0)
                    {
                        throw Unsupported($"'\\{next}' without a {{property}}");
                    }
                    string name = source[(this.i + 3)..close];
                    this.i = close + 1;
                    set.AddProperty(name, negated: next == 'P');
                    return true;
                }
                case 's': this.i += 2; set.AddWhiteSpace(negated: false); return true;
                case 'S': this.i += 2; set.AddWhiteSpace(negated: true); return true;
                case 'd': this.i += 2; set.AddProperty("Nd", negated: false); return true;
                case 'D': this.i += 2; set.AddProperty("Nd", negated: true); return true;
                case 'w': this.i += 2; set.AddWord(negated: false); return true;
                case 'W': this.i += 2; set.AddWord(negated: true); return true;
                case 'h': this.i += 2; set.AddRange('0', '9'); set.AddRange('A', 'F'); set.AddRange('a', 'f'); return true;
                default: return false;
            }
        }

        private int ReadEscapedCodePoint()
        {
            char next = source[this.i + 1];
            switch (next)
            {
                case 'n': this.i += 2; return '\n';
                case 'r': this.i += 2; return '\r';
                case 't': this.i += 2; return '\t';
                case 'f': this.i += 2; return '\f';
                case 'v': this.i += 2; return '\v';
                case 'a': this.i += 2; return 0x07;
                case 'e': this.i += 2; return 0x1B;
                case '0': this.i += 2; return 0;
                case 'x':
                case 'u':
                {
                    Match m = Regex.Match(source[this.i..], next == 'x'
                        ? @"^\\x(?:\{([0-9A-Fa-f]{1,8})\}|([0-9A-Fa-f]{2}))"
                        : @"^\\u(?:\{([0-9A-Fa-f]{1,8})\}|([0-9A-Fa-f]{4}))");
                    if (!m.Success)
                    {
                        throw Unsupported($"escape '\\{next}'");
                    }
                    this.i += m.Length;
                    string hex = m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value;
                    return int.Parse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                }
            }
            if (char.IsAsciiLetterOrDigit(next))
            {
                throw Unsupported($"escape '\\{next}'");
            }
            this.i += 1;
            return ReadCodePoint();
        }

        private string ReadClass()
        {
            int start = this.i;
            this.i++;
            bool negated = false;
            if (this.i < source.Length && source[this.i] == '^')
            {
                negated = true;
                this.i++;
            }
            var set = new ClassSet();
            bool first = true;
            while (true)
            {
                if (this.i >= source.Length)
                {
                    throw Unsupported($"an unterminated character class at index {start}");
                }
                char c = source[this.i];
                if (c == ']' && !first)
                {
                    this.i++;
                    break;
                }
                first = false;
                if (c == '[')
                {
                    throw Unsupported($"a nested character class at index {this.i}");
                }
                if (c == '&' && this.i + 1 < source.Length && source[this.i + 1] == '&')
                {
                    throw Unsupported($"a character-class intersection at index {this.i}");
                }
                int lo;
                if (c == '\\')
                {
                    if (this.i + 1 >= source.Length)
                    {
                        throw Unsupported("a trailing backslash");
                    }
                    if (TryReadSetEscape(set))
                    {
                        continue;
                    }
                    lo = source[this.i + 1] == 'b' ? ReadBackspace() : ReadEscapedCodePoint();
                }
                else
                {
                    lo = ReadCodePoint();
                }
                int hi = lo;
                if (this.i + 1 < source.Length && source[this.i] == '-' && source[this.i + 1] != ']')
                {
                    this.i++;
                    if (source[this.i] == '\\')
                    {
                        hi = ReadEscapedCodePoint();
                    }
                    else
                    {
                        hi = ReadCodePoint();
                    }
                    if (hi < lo)
                    {
                        throw Unsupported($"a reversed range in the character class at index {start}");
                    }
                }
                set.AddRange(lo, hi);
                LiteralRanges.Add((lo, hi));
                HasAstralLiteral |= hi > 0xFFFF;
                if (fold)
                {
                    set.AddAsciiFold(lo, hi);
                }
            }
            return set.Compile(negated, bmpOnly);
        }

        private int ReadBackspace()
        {
            this.i += 2;
            return 0x08;
        }

        private TokenizerException Unsupported(string what) =>
            new($"The tokenizer regex /{source}/ uses {what}, which is not supported.");
    }

    /// <summary>A character set built from class items, compiled to code-point semantics.</summary>
    private sealed class ClassSet
    {
        private readonly StringBuilder bmp = new();
        private readonly StringBuilder key = new();
        private readonly List<Func<int, bool>> astral = [];

        // Whether the set holds category Cs, i.e. matches a lone surrogate (a code point of its own in JavaScript).
        private bool holdsSurrogates;

        public void AddRange(int lo, int hi)
        {
            key.Append($"r{lo:X}-{hi:X};");
            holdsSurrogates |= lo <= 0xDFFF && hi >= 0xD800;
            int bmpHi = Math.Min(hi, 0xFFFF);
            if (lo <= bmpHi)
            {
                this.bmp.Append(EscapeInClass(lo));
                if (bmpHi > lo)
                {
                    this.bmp.Append('-').Append(EscapeInClass(bmpHi));
                }
            }
            if (hi > 0xFFFF)
            {
                int astralLo = Math.Max(lo, 0x10000);
                this.astral.Add(cp => cp >= astralLo && cp <= hi);
            }
        }

        public void AddAsciiFold(int lo, int hi)
        {
            for (int cp = Math.Max(lo, 'A'); cp <= Math.Min(hi, 'z'); cp++)
            {
                if (char.IsAsciiLetterUpper((char)cp))
                {
                    AddRange(cp + 32, cp + 32);
                }
                else if (char.IsAsciiLetterLower((char)cp))
                {
                    AddRange(cp - 32, cp - 32);
                }
            }
        }

        public void AddWhiteSpace(bool negated)
        {
            // Oniguruma's \s is the White_Space property, which is exactly .NET's \s; none of it is astral.
            key.Append(negated ? "S;" : "s;");
            holdsSurrogates |= negated;
            this.bmp.Append(negated ? @"\S" : @"\s");
            if (negated)
            {
                this.astral.Add(_ => true);
            }
        }

        public void AddWord(bool negated)
        {
            // transformers.js: \w = [\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\u00B2\u00B3\u00B9\u00BC-\u00BE]. .NET has no
            // Alphabetic property; letters, letter numbers and the circled letters cover it outside rare marks.
            UnicodeCategory[] cats =
            [
                UnicodeCategory.UppercaseLetter, UnicodeCategory.LowercaseLetter, UnicodeCategory.TitlecaseLetter,
                UnicodeCategory.ModifierLetter, UnicodeCategory.OtherLetter, UnicodeCategory.LetterNumber,
                UnicodeCategory.NonSpacingMark, UnicodeCategory.SpacingCombiningMark, UnicodeCategory.EnclosingMark,
                UnicodeCategory.DecimalDigitNumber, UnicodeCategory.ConnectorPunctuation,
            ];
            const string extra = @"\u00B2\u00B3\u00B9\u00BC-\u00BE\u24B6-\u24E9";
            if (negated)
            {
                throw new TokenizerException("\\W is not supported in tokenizer regexes.");
            }
            key.Append("w;");
            this.bmp.Append(@"\p{L}\p{Nl}\p{M}\p{Nd}\p{Pc}").Append(extra);
            this.astral.Add(cp => Array.IndexOf(cats, CharUnicodeInfo.GetUnicodeCategory(cp)) >= 0);
        }

        public void AddProperty(string name, bool negated)
        {
            UnicodeCategory[] cats = Categories(name);
            string dotnet = DotNetCategoryNameOrSelf(name);
            key.Append(negated ? 'P' : 'p').Append(dotnet).Append(';');
            holdsSurrogates |= negated != cats.Contains(UnicodeCategory.Surrogate);
            this.bmp.Append(negated ? @"\P{" : @"\p{").Append(dotnet).Append('}');
            this.astral.Add(negated
                ? cp => Array.IndexOf(cats, CharUnicodeInfo.GetUnicodeCategory(cp)) < 0
                : cp => Array.IndexOf(cats, CharUnicodeInfo.GetUnicodeCategory(cp)) >= 0);
        }

        public string Compile(bool negated, bool bmpOnly)
        {
            if (bmpOnly)
            {
                // Only ever run on text without surrogate pairs (see ToProxy); lone surrogates are Cs as in JavaScript.
                string body = this.bmp.ToString();
                return body.Length == 0 ? (negated ? @"[\s\S]" : "(?!)") : negated ? $"[^{body}]" : $"[{body}]";
            }
            string astral = AstralAlternations.GetOrAdd(key.ToString(), _ => BuildAstral(this.astral));
            string bmp = this.bmp.ToString();
            if (!negated)
            {
                // Subtracting the surrogates keeps classes such as [\P{L}] from matching half of a pair.
                string bmpClass = bmp.Length == 0 ? "" : $@"[{bmp}-[\uD800-\uDFFF]]";
                var alternatives = new List<string>();
                if (bmpClass.Length > 0) alternatives.Add(bmpClass);
                if (astral.Length > 0) alternatives.Add(astral);
                if (holdsSurrogates) alternatives.Add(LoneSurrogate);
                return alternatives.Count == 0 ? "(?!)" : alternatives.Count == 1 && astral.Length == 0 && !holdsSurrogates
                    ? bmpClass : $"(?:{string.Join("|", alternatives)})";
            }
            string pairs = astral.Length == 0 ? AnyPair : $"(?!{astral}){AnyPair}";
            return holdsSurrogates ? $@"(?:[^{bmp}\uD800-\uDFFF]|{pairs})" : $@"(?:[^{bmp}\uD800-\uDFFF]|{pairs}|{LoneSurrogate})";
        }

        private static string BuildAstral(List<Func<int, bool>> predicates)
        {
            if (predicates.Count == 0)
            {
                return "";
            }
            // Group the matching astral code points by high surrogate, then merge runs of high surrogates
            // whose low-surrogate ranges are identical (CJK extensions fill whole blocks).
            var perHigh = new List<(int High, string Lows)>();
            for (int high = 0xD800; high <= 0xDBFF; high++)
            {
                var lows = new StringBuilder();
                int runStart = -1;
                for (int low = 0xDC00; low <= 0xE000; low++)
                {
                    bool inSet = false;
                    if (low <= 0xDFFF)
                    {
                        int cp = char.ConvertToUtf32((char)high, (char)low);
                        foreach (var p in predicates)
                        {
                            if (p(cp))
                            {
                                inSet = true;
                                break;
                            }
                        }
                    }
                    if (inSet && runStart < 0)
                    {
                        runStart = low;
                    }
                    else if (!inSet && runStart >= 0)
                    {
                        lows.Append(EscapeInClass(runStart));
                        if (low - 1 > runStart)
                        {
                            lows.Append('-').Append(EscapeInClass(low - 1));
                        }
                        runStart = -1;
                    }
                }
                if (lows.Length > 0)
                {
                    perHigh.Add((high, lows.ToString()));
                }
            }
            var sb = new StringBuilder();
            for (int k = 0; k < perHigh.Count;)
            {
                int j = k;
                while (j + 1 < perHigh.Count && perHigh[j + 1].High == perHigh[j].High + 1 && perHigh[j + 1].Lows == perHigh[k].Lows)
                {
                    j++;
                }
                if (sb.Length > 0)
                {
                    sb.Append('|');
                }
                sb.Append(j == k ? EscapeInClass(perHigh[k].High) : $"[{EscapeInClass(perHigh[k].High)}-{EscapeInClass(perHigh[j].High)}]");
                sb.Append('[').Append(perHigh[k].Lows).Append(']');
                k = j + 1;
            }
            return sb.ToString();
        }

        private static string EscapeInClass(int cp) => $@"\u{cp:X4}";

        private static UnicodeCategory[] Categories(string name)
        {
            name = DotNetCategoryNameOrSelf(name);
            UnicodeCategory[] all = Enum.GetValues<UnicodeCategory>();
            var result = new List<UnicodeCategory>();
            foreach (UnicodeCategory cat in all)
            {
                string abbr = Abbreviation(cat);
                if (abbr == name || (name.Length == 1 && abbr[0] == name[0]))
                {
                    result.Add(cat);
                }
            }
            if (result.Count == 0)
            {
                throw new TokenizerException($"The Unicode property \\p{{{name}}} in a tokenizer regex is not supported (only general categories are).");
            }
            return [.. result];
        }

        private static string DotNetCategoryNameOrSelf(string name) => name switch
        {
            "Letter" => "L",
            "Number" => "N",
            "Punctuation" => "P",
            "Symbol" => "S",
            "Mark" => "M",
            "Separator" => "Z",
            "Other" => "C",
            "Uppercase_Letter" => "Lu",
            "Lowercase_Letter" => "Ll",
            "Decimal_Number" => "Nd",
            _ => name,
        };

        private static string Abbreviation(UnicodeCategory cat) => cat switch
        {
            UnicodeCategory.UppercaseLetter => "Lu",
            UnicodeCategory.LowercaseLetter => "Ll",
            UnicodeCategory.TitlecaseLetter => "Lt",
            UnicodeCategory.ModifierLetter => "Lm",
            UnicodeCategory.OtherLetter => "Lo",
            UnicodeCategory.NonSpacingMark => "Mn",
            UnicodeCategory.SpacingCombiningMark => "Mc",
            UnicodeCategory.EnclosingMark => "Me",
            UnicodeCategory.DecimalDigitNumber => "Nd",
            UnicodeCategory.LetterNumber => "Nl",
            UnicodeCategory.OtherNumber => "No",
            UnicodeCategory.SpaceSeparator => "Zs",
            UnicodeCategory.LineSeparator => "Zl",
            UnicodeCategory.ParagraphSeparator => "Zp",
            UnicodeCategory.Control => "Cc",
            UnicodeCategory.Format => "Cf",
            UnicodeCategory.Surrogate => "Cs",
            UnicodeCategory.PrivateUse => "Co",
            UnicodeCategory.ConnectorPunctuation => "Pc",
            UnicodeCategory.DashPunctuation => "Pd",
            UnicodeCategory.OpenPunctuation => "Ps",
            UnicodeCategory.ClosePunctuation => "Pe",
            UnicodeCategory.InitialQuotePunctuation => "Pi",
            UnicodeCategory.FinalQuotePunctuation => "Pf",
            UnicodeCategory.OtherPunctuation => "Po",
            UnicodeCategory.MathSymbol => "Sm",
            UnicodeCategory.CurrencySymbol => "Sc",
            UnicodeCategory.ModifierSymbol => "Sk",
            UnicodeCategory.OtherSymbol => "So",
            _ => "Cn",
        };
    }
}
