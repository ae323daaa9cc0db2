using System.Text;

namespace ConstitutionHub.Inference.Tokenization;

/// <summary>JavaScript string semantics that transformers.js relies on and .NET defines differently.</summary>
internal static class JsText
{
    /// <summary>ECMAScript WhiteSpace and LineTerminator, the set String.prototype.trim removes (includes U+FEFF, not U+0085).</summary>
    public static bool IsJsWhiteSpace(char c) => c switch
    {
        '\t' or '\n' or '\v' or '\f' or '\r' or ' ' or '\u00A0' or '\u1680' or '\u2028' or '\u2029' or '\u202F'
            or '\u205F' or '\u3000' or '\uFEFF' => true,
        _ => c >= '\u2000' && c <= '\u200A',
    };

    public static string TrimStart(string s)
    {
        int i = 0;
        while (i < s.Length && IsJsWhiteSpace(s[i])) i++;
        return i == 0 ? s : s[i..];
    }

    public static string TrimEnd(string s)
    {
        int j = s.Length;
        while (j > 0 && IsJsWhiteSpace(s[j - 1])) j--;
        return j == s.Length ? s : s[..j];
    }

    public static string Trim(string s) => TrimEnd(TrimStart(s));

    /// <summary>String.prototype.replaceAll with a string pattern; an empty pattern matches between every UTF-16 unit.</summary>
    public static string ReplaceAll(string s, string pattern, string replacement)
    {
        if (pattern.Length > 0) return s.Replace(pattern, replacement, StringComparison.Ordinal);
        var sb = new StringBuilder(s.Length * (replacement.Length + 1) + replacement.Length);
        sb.Append(replacement);
        foreach (char c in s) sb.Append(c).Append(replacement);
        return sb.ToString();
    }

    /// <summary>
    /// String.prototype.toLowerCase: full Unicode lowercasing. .NET's invariant lowercasing is the simple mapping,
    /// which differs only for U+0130 (to "i" + U+0307) and for final sigma.
    /// </summary>
    public static string ToLower(string s)
    {
        string lower = s.ToLowerInvariant();
        if (s.AsSpan().IndexOfAny('\u0130', '\u03A3') < 0)
        {
            return lower;
        }
        var sb = new StringBuilder(s.Length + 4);
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (c == '\u0130')
            {
                sb.Append("i\u0307");
            }
            else if (c == '\u03A3')
            {
                sb.Append(IsFinalSigma(s, i) ? '\u03C2' : '\u03C3');
            }
            else
            {
                sb.Append(lower[i]);
            }
        }
        return sb.ToString();
    }

    private static readonly Lazy<Dictionary<char, string>> MultiCharUpper = new(() =>
    {
        var map = new Dictionary<char, string>();
        foreach (string entry in UnicodeNormalizationData.MultiCharUppercase.Split(';'))
        {
            string[] f = entry.Split(':');
            int cp = int.Parse(f[0], System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
            if (cp > 0xFFFF) continue;
            map[(char)cp] = string.Concat(f[1].Split(' ').Select(h =>
                char.ConvertFromUtf32(int.Parse(h, System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture))));
        }
        return map;
    });

    /// <summary>String.prototype.toUpperCase: the simple mapping plus SpecialCasing's one-to-many mappings (ß to SS).</summary>
    public static string ToUpper(string s)
    {
        string upper = s.ToUpperInvariant();
        var special = MultiCharUpper.Value;
        int first = -1;
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] >= '\u00DF' && special.ContainsKey(s[i]))
            {
                first = i;
                break;
            }
        }
        if (first < 0)
        {
            return upper;
        }
        var sb = new StringBuilder(s.Length + 8);
        sb.Append(upper, 0, first);
        for (int i = first; i < s.Length; i++)
        {
            if (special.TryGetValue(s[i], out string? mapped)) sb.Append(mapped);
            else sb.Append(upper[i]);
        }
        return sb.ToString();
    }

    /// <summary>Unicode's Final_Sigma condition: a cased letter before (skipping case-ignorables) and none after.</summary>
    private static bool IsFinalSigma(string s, int index)
    {
        int j = index - 1;
        while (j >= 0 && IsCaseIgnorable(s[j])) j--;
        if (j < 0 || !IsCased(s[j]))
        {
            return false;
        }
        int k = index + 1;
        while (k < s.Length && IsCaseIgnorable(s[k])) k++;
        return k >= s.Length || !IsCased(s[k]);
    }

    private static bool IsCased(char c) => char.IsUpper(c) || char.IsLower(c) || char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.TitlecaseLetter;

    private static bool IsCaseIgnorable(char c)
    {
        var cat = char.GetUnicodeCategory(c);
        return cat is System.Globalization.UnicodeCategory.NonSpacingMark or System.Globalization.UnicodeCategory.EnclosingMark
            or System.Globalization.UnicodeCategory.Format or System.Globalization.UnicodeCategory.ModifierLetter
            or System.Globalization.UnicodeCategory.ModifierSymbol
            || c is '\'' or '.' or ':' or '^' or '`' or '\u00B7' or '\u2019';
    }
}
