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

        private readonly StringBuilder _out = new();
        private readonly Stack<(int Start, bool Fold)> _groups = new();
        private int _atomStart = -1;
        private bool _lastWasQuantifier;
        private bool _fold;
        private int _i;

        public string Run()
        {
            while (_i < source.Length)
            {
                char c = source[_i];
                switch (c)
                {
                    case '\\':
                        EmitAtom(ReadEscapeOutsideClass());
                        break;
                    case '[':
                        EmitAtom(ReadClass());
                        break;
                    case '.':
                        _i++;
                        EmitAtom(bmpOnly ? @"[^\n]" : $@"(?:{AnyPair}|[^\n])");
                        break;
                    case '^':
                        _i++;
                        EmitAtom("(?m:^)");
                        break;
                    case '$':
                        _i++;
                        EmitAtom(@"(?=\n|(?![\s\S]))");
                        break;
                    case '(':
                        OpenGroup();
                        break;
                    case ')':
                        _i++;
                        _out.Append(')');
                        (_atomStart, _fold) = _groups.Count > 0 ? _groups.Pop() : (-1, false);
                        _lastWasQuantifier = false;
                        break;
                    case '|':
                        _i++;
                        _out.Append('|');
                        _atomStart = -1;
                        _lastWasQuantifier = false;
                        break;
                    case '{':
                        ReadBraceQuantifier();
                        break;
                    case '}':
                        _i++;
                        EmitAtom(@"\}");
                        break;
                    case ']':
                        _i++;
                        EmitAtom(@"\]");
                        break;
                    case '+':
                        _i++;
                        // A '+' right after a quantifier makes it possessive in Oniguruma; transformers.js drops it.
                        if (!_lastWasQuantifier)
                        {
                            _out.Append('+');
                            _lastWasQuantifier = true;
                        }
                        break;
                    case '*':
                    case '?':
                        _i++;
                        _out.Append(c);
                        _lastWasQuantifier = true;
                        break;
                    default:
                        EmitAtom(Literal(ReadCodePoint()));
                        break;
                }
            }
            return _out.ToString();
        }

        private void EmitAtom(string text)
        {
            _atomStart = _out.Length;
            _out.Append(text);
            _lastWasQuantifier = false;
        }

        private int ReadCodePoint()
        {
            int cp = CodePointAt(source, _i);
            _i += cp > 0xFFFF ? 2 : 1;
            return cp;
        }

        private string Literal(int cp)
        {
            LiteralRanges.Add((cp, cp));
            HasAstralLiteral |= cp > 0xFFFF;
            if (_fold && cp < 128 && char.IsAsciiLetter((char)cp))
            {
                return $"[{char.ToLowerInvariant((char)cp)}{char.ToUpperInvariant((char)cp)}]";
            }
            // Astral literals become a group so a following quantifier applies to the whole code point.
            return cp > 0xFFFF ? $"(?:{char.ConvertFromUtf32(cp)})" : Regex.Escape(((char)cp).ToString());
        }

        private void OpenGroup()
        {
            _groups.Push((_out.Length, _fold));
            string rest = source[_i..];
            string prefix;
            string output;
            if (rest.StartsWith("(?i:", StringComparison.Ordinal))
            {
                prefix = "(?i:";
                output = "(?:";
                _fold = true;
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
            _out.Append(output);
            _lastWasQuantifier = false;
            _i += prefix.Length;
        }

        private void ReadBraceQuantifier()
        {
            Match m = Regex.Match(source[_i..], @"^\{(\d+(?:,\d*)?|,\d+)\}");
            if (!m.Success || _atomStart < 0)
            {
                _i++;
                EmitAtom(@"\{");
                return;
            }
            string body = m.Groups[1].Value.StartsWith(',') ? "0" + m.Groups[1].Value : m.Groups[1].Value;
            _i += m.Length;
            char following = _i < source.Length ? source[_i] : '\0';
            if (following is '+' or '*')
            {
                // transformers.js turns "x{n,m}+" into "(?:x{n,m})+" (a repetition, not a possessive quantifier).
                string atom = _out.ToString(_atomStart, _out.Length - _atomStart);
                _out.Length = _atomStart;
                _out.Append("(?:").Append(atom).Append('{').Append(body).Append("})").Append(following);
                _i++;
            }
            else
            {
                _out.Append('{').Append(body).Append('}');
            }
            _lastWasQuantifier = true;
        }

        private string ReadEscapeOutsideClass()
        {
            if (_i + 1 >= source.Length)
            {
                throw Unsupported("a trailing backslash");
            }
            char next = source[_i + 1];
            var set = new ClassSet();
            if (TryReadSetEscape(set))
            {
                return set.Compile(negated: false, bmpOnly);
            }
            switch (next)
            {
                case 'A': _i += 2; return @"(?<![\s\S])";
                case 'z': _i += 2; return @"(?![\s\S])";
                case 'Z': _i += 2; return @"(?=\n?(?![\s\S]))";
                case 'b': _i += 2; return @"\b";
                case 'B': _i += 2; return @"\B";
                case 'G': _i += 2; return "";
            }
            int cp = ReadEscapedCodePoint();
            return Literal(cp);
        }

        /// <summary>Reads escapes that stand for a set of characters (\p{..}, \s, \d, \w and their negations).</summary>
        private bool TryReadSetEscape(ClassSet set)
        {
            char next = source[_i + 1];
            switch (next)
            {
                case 'p':
                case 'P':
                {
                    int close = source.IndexOf('}', _i);
                    if (_i + 2 >= source.Length || source[_i + 2] != '{' || close < 0)
                    {
                        throw Unsupported($"'\\{next}' without a {{property}}");
                    }
                    string name = source[(_i + 3)..close];
                    _i = close + 1;
                    set.AddProperty(name, negated: next == 'P');
                    return true;
                }
                case 's': _i += 2; set.AddWhiteSpace(negated: false); return true;
                case 'S': _i += 2; set.AddWhiteSpace(negated: true); return true;
                case 'd': _i += 2; set.AddProperty("Nd", negated: false); return true;
                case 'D': _i += 2; set.AddProperty("Nd", negated: true); return true;
                case 'w': _i += 2; set.AddWord(negated: false); return true;
                case 'W': _i += 2; set.AddWord(negated: true); return true;
                case 'h': _i += 2; set.AddRange('0', '9'); set.AddRange('A', 'F'); set.AddRange('a', 'f'); return true;
                default: return false;
            }
        }

        private int ReadEscapedCodePoint()
        {
            char next = source[_i + 1];
            switch (next)
            {
                case 'n': _i += 2; return '\n';
                case 'r': _i += 2; return '\r';
                case 't': _i += 2; return '\t';
                case 'f': _i += 2; return '\f';
                case 'v': _i += 2; return '\v';
                case 'a': _i += 2; return 0x07;
                case 'e': _i += 2; return 0x1B;
                case '0': _i += 2; return 0;
                case 'x':
                case 'u':
                {
                    Match m = Regex.Match(source[_i..], next == 'x'
                        ? @"^\\x(?:\{([0-9A-Fa-f]{1,8})\}|([0-9A-Fa-f]{2}))"
                        : @"^\\u(?:\{([0-9A-Fa-f]{1,8})\}|([0-9A-Fa-f]{4}))");
                    if (!m.Success)
                    {
                        throw Unsupported($"escape '\\{next}'");
                    }
                    _i += m.Length;
                    string hex = m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value;
                    return int.Parse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                }
            }
            if (char.IsAsciiLetterOrDigit(next))
            {
                throw Unsupported($"escape '\\{next}'");
            }
            _i += 1;
            return ReadCodePoint();
        }

        private string ReadClass()
        {
            int start = _i;
            _i++;
            bool negated = false;
            if (_i < source.Length && source[_i] == '^')
            {
                negated = true;
                _i++;
            }
            var set = new ClassSet();
            bool first = true;
            while (true)
            {
                if (_i >= source.Length)
                {
                    throw Unsupported($"an unterminated character class at index {start}");
                }
                char c = source[_i];
                if (c == ']' && !first)
                {
                    _i++;
                    break;
                }
                first = false;
                if (c == '[')
                {
                    throw Unsupported($"a nested character class at index {_i}");
                }
                if (c == '&' && _i + 1 < source.Length && source[_i + 1] == '&')
                {
                    throw Unsupported($"a character-class intersection at index {_i}");
                }
                int lo;
                if (c == '\\')
                {
                    if (_i + 1 >= source.Length)
                    {
                        throw Unsupported("a trailing backslash");
                    }
                    if (TryReadSetEscape(set))
                    {
                        continue;
                    }
                    lo = source[_i + 1] == 'b' ? ReadBackspace() : ReadEscapedCodePoint();
                }
                else
                {
                    lo = ReadCodePoint();
                }
                int hi = lo;
                if (_i + 1 < source.Length && source[_i] == '-' && source[_i + 1] != ']')
                {
                    _i++;
                    if (source[_i] == '\\')
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
                if (_fold)
                {
                    set.AddAsciiFold(lo, hi);
                }
            }
            return set.Compile(negated, bmpOnly);
        }

        private int ReadBackspace()
        {
            _i += 2;
            return 0x08;
        }

        private TokenizerException Unsupported(string what) =>
            new($"The tokenizer regex /{source}/ uses {what}, which is not supported.");
    }

    /// <summary>A character set built from class items, compiled to code-point semantics.</summary>
    private sealed class ClassSet
    {
        private readonly StringBuilder _bmp = new();
        private readonly StringBuilder _key = new();
        private readonly List<Func<int, bool>> _astral = [];

        // Whether the set holds category Cs, i.e. matches a lone surrogate (a code point of its own in JavaScript).
        private bool _holdsSurrogates;

        public void AddRange(int lo, int hi)
        {
            _key.Append($"r{lo:X}-{hi:X};");
            _holdsSurrogates |= lo <= 0xDFFF && hi >= 0xD800;
            int bmpHi = Math.Min(hi, 0xFFFF);
            if (lo <= bmpHi)
            {
                _bmp.Append(EscapeInClass(lo));
                if (bmpHi > lo)
                {
                    _bmp.Append('-').Append(EscapeInClass(bmpHi));
                }
            }
            if (hi > 0xFFFF)
            {
                int astralLo = Math.Max(lo, 0x10000);
                _astral.Add(cp => cp >= astralLo && cp <= hi);
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
            _key.Append(negated ? "S;" : "s;");
            _holdsSurrogates |= negated;
            _bmp.Append(negated ? @"\S" : @"\s");
            if (negated)
            {
                _astral.Add(_ => true);
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
            _key.Append("w;");
            _bmp.Append(@"\p{L}\p{Nl}\p{M}\p{Nd}\p{Pc}").Append(extra);
            _astral.Add(cp => Array.IndexOf(cats, CharUnicodeInfo.GetUnicodeCategory(cp)) >= 0);
        }

        public void AddProperty(string name, bool negated)
        {
            UnicodeCategory[] cats = Categories(name);
            string dotnet = DotNetCategoryNameOrSelf(name);
            _key.Append(negated ? 'P' : 'p').Append(dotnet).Append(';');
            _holdsSurrogates |= negated != cats.Contains(UnicodeCategory.Surrogate);
            _bmp.Append(negated ? @"\P{" : @"\p{").Append(dotnet).Append('}');
            _astral.Add(negated
                ? cp => Array.IndexOf(cats, CharUnicodeInfo.GetUnicodeCategory(cp)) < 0
                : cp => Array.IndexOf(cats, CharUnicodeInfo.GetUnicodeCategory(cp)) >= 0);
        }

        public string Compile(bool negated, bool bmpOnly)
        {
            if (bmpOnly)
            {
                // Only ever run on text without surrogate pairs (see ToProxy); lone surrogates are Cs as in JavaScript.
                string body = _bmp.ToString();
                return body.Length == 0 ? (negated ? @"[\s\S]" : "(?!)") : negated ? $"[^{body}]" : $"[{body}]";
            }
            string astral = AstralAlternations.GetOrAdd(_key.ToString(), _ => BuildAstral(_astral));
            string bmp = _bmp.ToString();
            if (!negated)
            {
                // Subtracting the surrogates keeps classes such as [\P{L}] from matching half of a pair.
                string bmpClass = bmp.Length == 0 ? "" : $@"[{bmp}-[\uD800-\uDFFF]]";
                var alternatives = new List<string>();
                if (bmpClass.Length > 0) alternatives.Add(bmpClass);
                if (astral.Length > 0) alternatives.Add(astral);
                if (_holdsSurrogates) alternatives.Add(LoneSurrogate);
                return alternatives.Count == 0 ? "(?!)" : alternatives.Count == 1 && astral.Length == 0 && !_holdsSurrogates
                    ? bmpClass : $"(?:{string.Join("|", alternatives)})";
            }
            string pairs = astral.Length == 0 ? AnyPair : $"(?!{astral}){AnyPair}";
            return _holdsSurrogates ? $@"(?:[^{bmp}\uD800-\uDFFF]|{pairs})" : $@"(?:[^{bmp}\uD800-\uDFFF]|{pairs}|{LoneSurrogate})";
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
