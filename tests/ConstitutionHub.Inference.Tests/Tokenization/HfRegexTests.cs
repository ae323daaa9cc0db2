using System.Text;
using ConstitutionHub.Inference.Tokenization;

namespace ConstitutionHub.Inference.Tests.Tokenization;

/// <summary>
/// Split patterns run on hand-written matchers (GPT-2, Llama 3 and Qwen2 patterns) or on a fast BMP-only regex
/// with astral characters replaced by stand-ins of the same category. These tests hold both to the full code-point
/// translation on random text full of astral letters, digits, emoji, marks, unusual white space and contractions.
/// </summary>
public sealed class HfRegexTests
{
    public static IEnumerable<object[]> Patterns() =>
    [
        ["(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"],
        ["(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"],
        ["[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"],
        ["\\d+|.|\\s"],
        [ByteLevelPreTokenizer.Gpt2Pattern],
    ];

    private static readonly string[] Alphabet =
    [
        "a", "Z", "é", "ß", "Ж", "中", "ア", "ب", "'", "s", "S", "t", "re", "VE", "ll", "d", "m", " ", "  ", "\t", "\n", "\r\n", "\r",
        "\u00A0", "\u0085", "\uFEFF", "\u3000", "\u2028", "0", "7", "١", "½", "Ⅻ", ".", ",", "!", "?", "-", "/", "(", "$", "€", "😀",
        "👍🏽", "🇫🇷", "👨‍👩‍👧", "𝐀", "𝑥", "𝟙", "𠀀", "𐍈", "\u0301", "\u20DD", "\uD83D", "\uDE00",
    ];

    [Theory]
    [MemberData(nameof(Patterns))]
    public void Fast_path_matches_the_full_code_point_translation(string pattern)
    {
        var fast = HfPattern.Create(System.Text.Json.JsonDocument.Parse(System.Text.Json.JsonSerializer.Serialize(new { Regex = pattern })).RootElement, invert: true, "test");
        var full = HfRegex.Compile(pattern);
        var random = new Random(1234);
        for (int n = 0; n < 5000; n++)
        {
            var sb = new StringBuilder();
            int parts = random.Next(1, 30);
            for (int i = 0; i < parts; i++) sb.Append(Alphabet[random.Next(Alphabet.Length)]);
            string text = sb.ToString();
            var expected = new List<(int, int)>();
            int pos = 0;
            while (pos <= text.Length)
            {
                var m = full.Match(text, pos);
                if (!m.Success) break;
                expected.Add((m.Index, m.Length));
                pos = m.Index + Math.Max(m.Length, 1);
                if (m.Length == 0 && pos < text.Length && char.IsLowSurrogate(text[pos]) && char.IsHighSurrogate(text[pos - 1])) pos++;
            }
            // Both the hand-written matcher (for the well-known patterns) and the BMP regex with stand-ins.
            foreach (var actual in new[] { fast.Matches(text).ToList(), fast.RegexMatches(text).ToList() })
            {
                Assert.True(expected.SequenceEqual(actual),
                    $"text {string.Join(" ", text.Select(c => ((int)c).ToString("X4")))}: expected {string.Join(",", expected)}, got {string.Join(",", actual)}");
            }
        }
    }

    [Fact]
    public void Astral_letters_count_as_letters_as_in_javascript()
    {
        var full = HfRegex.Compile("\\p{L}+");
        Assert.Equal("𝐀𝐁x", full.Match("..𝐀𝐁x!").Value);
        var negated = HfRegex.Compile("[^\\s\\p{L}]+");
        Assert.Equal("!!😀", negated.Match("𝐀!!😀𝐁").Value);
    }
}
