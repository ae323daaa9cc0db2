using System.Text.Json;

namespace ConstitutionHub.Inference.Tokenization;

/// <summary>Small readers over tokenizer.json elements that turn malformed input into <see cref="TokenizerException"/>.</summary>
internal static class Json
{
    public static string Type(JsonElement e, string what)
    {
        if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty("type", out var t) || t.ValueKind != JsonValueKind.String)
        {
            throw new TokenizerException($"The {what} in tokenizer.json has no \"type\".");
        }
        return t.GetString()!;
    }

    public static bool IsNull(JsonElement e) => e.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined;

    public static JsonElement Prop(JsonElement e, string name)
    {
        return e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) ? v : default;
    }

    public static string? String(JsonElement e, string name)
    {
        var v = Prop(e, name);
        return v.ValueKind == JsonValueKind.String ? v.GetString() : null;
    }

    public static bool? Bool(JsonElement e, string name)
    {
        var v = Prop(e, name);
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => null,
        };
    }

    public static int? Int(JsonElement e, string name)
    {
        var v = Prop(e, name);
        return v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i) ? i : null;
    }

    public static IEnumerable<JsonElement> Array(JsonElement e, string name)
    {
        var v = Prop(e, name);
        if (v.ValueKind != JsonValueKind.Array)
        {
            return [];
        }
        return v.EnumerateArray();
    }
}

/// <summary>
/// A tokenizer.json "pattern": <c>{"String": "..."}</c> or <c>{"Regex": "..."}</c>, compiled with the semantics of
/// transformers.js (<c>create_pattern</c>).
/// </summary>
internal sealed class HfPattern
{
    private readonly System.Text.RegularExpressions.Regex _regex;
    private readonly System.Text.RegularExpressions.Regex? _bmp;
    private readonly char[]? _proxies;
    private readonly KnownSplitPatterns? _known;

    private HfPattern(System.Text.RegularExpressions.Regex regex, System.Text.RegularExpressions.Regex? bmp = null, char[]? proxies = null, KnownSplitPatterns? known = null)
    {
        _regex = regex;
        _bmp = bmp;
        _proxies = proxies;
        _known = known;
    }

    public System.Text.RegularExpressions.Regex Regex => _regex;

    /// <summary>A pattern written as a .NET regex with JavaScript-equivalent semantics (no translation).</summary>
    public static HfPattern FromDotNet(string pattern) =>
        new(new System.Text.RegularExpressions.Regex(pattern, System.Text.RegularExpressions.RegexOptions.CultureInvariant | System.Text.RegularExpressions.RegexOptions.Compiled));

    public static HfPattern Create(JsonElement pattern, bool invert, string owner)
    {
        string? regex = Json.String(pattern, "Regex");
        if (regex is not null)
        {
            var (full, bmp, proxies) = HfRegex.CompileBoth(regex);
            return new HfPattern(full, bmp, proxies, KnownSplitPatterns.ForRegex(regex));
        }
        string? literal = Json.String(pattern, "String");
        if (literal is not null)
        {
            // transformers.js wraps a literal in a capture group when the split is not inverted, which makes
            // String.prototype.split keep the delimiters.
            string escaped = System.Text.RegularExpressions.Regex.Escape(literal);
            return new HfPattern(new System.Text.RegularExpressions.Regex(invert ? escaped : $"({escaped})",
                System.Text.RegularExpressions.RegexOptions.CultureInvariant));
        }
        throw new TokenizerException($"The {owner} has a pattern that is neither String nor Regex.");
    }

    public string ReplaceAll(string text, string content)
    {
        return _regex.Replace(text, content.Replace("$", "$$"));
    }

    /// <summary>Matches of a copy of this pattern without the hand-written matcher (for tests).</summary>
    internal IEnumerable<(int Index, int Length)> RegexMatches(string text) =>
        new HfPattern(_regex, _bmp, _proxies).Matches(text);

    /// <summary>All matches in order, advancing one code point past empty matches as JavaScript's matchAll does with the u flag.</summary>
    public IEnumerable<(int Index, int Length)> Matches(string text)
    {
        if (_known is not null)
        {
            return _known.Matches(text);
        }
        if (_bmp is null)
        {
            return Run(_regex, text, null);
        }
        if (text.AsSpan().IndexOfAnyInRange('\uD800', '\uDBFF') < 0)
        {
            return Run(_bmp, text, null);
        }
        if (_proxies is null)
        {
            return Run(_regex, text, null);
        }
        string proxy = HfRegex.ToProxy(text, _proxies, out int[] map);
        return Run(_bmp, proxy, map);
    }

    /// <summary>Match groups, for String.prototype.split semantics (only on the full-semantics regex).</summary>
    public IEnumerable<System.Text.RegularExpressions.Match> MatchObjects(string text)
    {
        int pos = 0;
        while (pos <= text.Length)
        {
            var m = _regex.Match(text, pos);
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

    private static IEnumerable<(int Index, int Length)> Run(System.Text.RegularExpressions.Regex regex, string text, int[]? map)
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
