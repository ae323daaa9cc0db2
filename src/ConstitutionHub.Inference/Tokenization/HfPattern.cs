using System.Text.Json;
using System.Text.RegularExpressions;

namespace ConstitutionHub.Inference.Tokenization;

/// <summary>
/// A tokenizer.json "pattern": <c>{"String": "..."}</c> or <c>{"Regex": "..."}</c>, matching as transformers.js'
/// <c>create_pattern</c> does. Matching picks the cheapest equivalent route: a hand-written matcher for the
/// well-known split patterns, else a BMP-only regex (astral characters replaced by stand-ins of the same category),
/// else the full code-point translation. Regexes are compiled on first use.
/// </summary>
internal sealed class HfPattern
{
    private readonly Lazy<Regex> full;
    private readonly Lazy<Regex>? bmp;
    private readonly char[]? proxies;
    private readonly KnownSplitPatterns? known;

    private HfPattern(Lazy<Regex> full, Lazy<Regex>? bmp, char[]? proxies, KnownSplitPatterns? known)
    {
        this.full = full;
        this.bmp = bmp;
        this.proxies = proxies;
        this.known = known;
    }

    public static HfPattern Create(JsonElement pattern, bool invert, string owner)
    {
        string? regex = Json.String(pattern, "Regex");
        if (regex is not null)
        {
            // Translate eagerly so that an unsupported construct fails while loading, not while encoding.
            var full = HfRegex.Translate(regex, bmpOnly: false);
            var bmp = HfRegex.Translate(regex, bmpOnly: true);
            char[]? proxies = bmp.HasAstralLiteral ? null : HfRegex.ChooseProxies(bmp.LiteralRanges);
            return new HfPattern(
                new Lazy<Regex>(() => HfRegex.CompileTranslation(regex, full.Pattern)),
                new Lazy<Regex>(() => HfRegex.CompileTranslation(regex, bmp.Pattern)),
                proxies,
                KnownSplitPatterns.ForRegex(regex));
        }
        string? literal = Json.String(pattern, "String");
        if (literal is not null)
        {
            // transformers.js wraps a literal in a capture group when the split is not inverted, which makes
            // String.prototype.split keep the delimiters.
            string escaped = Regex.Escape(literal);
            var compiled = new Regex(invert ? escaped : $"({escaped})", RegexOptions.CultureInvariant);
            return new HfPattern(new Lazy<Regex>(compiled), null, null, null);
        }
        throw new TokenizerException($"The {owner} has a pattern that is neither String nor Regex.");
    }

    public string ReplaceAll(string text, string content) => this.full.Value.Replace(text, content.Replace("$", "$$"));

    /// <summary>Appends the non-empty matches in order (a list rather than an enumerator, for the hot path).</summary>
    public void AddMatches(string text, List<(int Start, int Length)> ranges)
    {
        if (this.known is not null)
        {
            this.known.AddMatches(text, ranges);
            return;
        }
        foreach (var (index, length) in Matches(text))
        {
            if (length > 0) ranges.Add((index, length));
        }
    }

    /// <summary>All matches in order, advancing one code point past empty matches as JavaScript's matchAll does with the u flag.</summary>
    public IEnumerable<(int Index, int Length)> Matches(string text)
    {
        if (this.known is not null)
        {
            return this.known.Matches(text);
        }
        return RegexMatches(text);
    }

    /// <summary>The matches found by regex alone (the hand-written matcher is checked against this in tests).</summary>
    internal IEnumerable<(int Index, int Length)> RegexMatches(string text)
    {
        if (this.bmp is null)
        {
            return Run(this.full.Value, text, null);
        }
        if (text.AsSpan().IndexOfAnyInRange('\uD800', '\uDBFF') < 0)
        {
            return Run(this.bmp.Value, text, null);
        }
        if (this.proxies is null)
        {
            return Run(this.full.Value, text, null);
        }
        string proxy = HfRegex.ToProxy(text, this.proxies, out int[] map);
        return Run(this.bmp.Value, proxy, map);
    }

    /// <summary>Match objects with their groups, for String.prototype.split semantics.</summary>
    public IEnumerable<Match> MatchObjects(string text)
    {
        int pos = 0;
        while (pos <= text.Length)
        {
            var m = this.full.Value.Match(text, pos);
            if (!m.Success)
            {
                yield break;
            }
            yield return m;
            pos = m.Index + m.Length;
            if (m.Length == 0)
            {
                if (pos >= text.Length) yield break;
                pos += char.IsHighSurrogate(text[pos]) && pos + 1 < text.Length && char.IsLowSurrogate(text[pos + 1]) ? 2 : 1;
            }
        }
    }

    private static IEnumerable<(int Index, int Length)> Run(Regex regex, string text, int[]? map)
    {
        int pos = 0;
        while (pos <= text.Length)
        {
            var m = regex.Match(text, pos);
            if (!m.Success)
            {
                yield break;
            }
            yield return map is null ? (m.Index, m.Length) : (map[m.Index], map[m.Index + m.Length] - map[m.Index]);
            pos = m.Index + m.Length;
            if (m.Length == 0)
            {
                if (pos >= text.Length) yield break;
                // With the u flag an empty match advances one code point.
                pos += char.IsHighSurrogate(text[pos]) && pos + 1 < text.Length && char.IsLowSurrogate(text[pos + 1]) ? 2 : 1;
            }
        }
    }
}
