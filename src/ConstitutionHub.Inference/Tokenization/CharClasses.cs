using System.Globalization;
using System.Text;

namespace ConstitutionHub.Inference.Tokenization;

/// <summary>The character classes of transformers.js's pre-tokenizer and normalizer regexes, without the regexes.</summary>
internal static class CharClasses
{
    /// <summary>The category of the code point at <paramref name="index"/> (a lone surrogate is Surrogate).</summary>
    public static UnicodeCategory CategoryAt(string text, int index) =>
        char.IsSurrogatePair(text, index) ? CharUnicodeInfo.GetUnicodeCategory(char.ConvertToUtf32(text, index))
            : CharUnicodeInfo.GetUnicodeCategory(text[index]);

    public static int LengthAt(string text, int index) => char.IsSurrogatePair(text, index) ? 2 : 1;

    /// <summary>transformers.js's PUNCTUATION_REGEX: \p{P} plus every ASCII symbol (!-/, :-@, [-`, {-~).</summary>
    public static bool IsPunctuationAt(string text, int index)
    {
        char c = text[index];
        if (c < 0x80)
        {
            return c is >= '!' and <= '/' or >= ':' and <= '@' or >= '[' and <= '`' or >= '{' and <= '~';
        }
        return CategoryAt(text, index) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;
    }

    /// <summary>\p{Cc}, \p{Cf}, \p{Co} or \p{Cs}: what BERT's clean_text treats as control characters.</summary>
    public static bool IsControlFormatPrivateOrSurrogate(string text, int index) =>
        CategoryAt(text, index) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.PrivateUse
            or UnicodeCategory.Surrogate;

    /// <summary>JavaScript's \w without the u flag: ASCII letters, digits and underscore.</summary>
    public static bool IsAsciiWord(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    /// <summary>Removes \p{M} (every mark) or only \p{Mn} (non-spacing marks).</summary>
    public static string RemoveMarks(string text, bool nonSpacingOnly)
    {
        StringBuilder? sb = null;
        for (int i = 0; i < text.Length; i += LengthAt(text, i))
        {
            var category = CategoryAt(text, i);
            bool mark = category == UnicodeCategory.NonSpacingMark
                || (!nonSpacingOnly && category is UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark);
            if (mark)
            {
                sb ??= new StringBuilder(text, 0, i, text.Length);
                continue;
            }
            sb?.Append(text, i, LengthAt(text, i));
        }
        return sb?.ToString() ?? text;
    }
}
