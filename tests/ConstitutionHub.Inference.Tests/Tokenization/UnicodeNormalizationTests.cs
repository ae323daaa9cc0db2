using System.Text.Json;
using ConstitutionHub.Inference.Tokenization;

namespace ConstitutionHub.Inference.Tests.Tokenization;

/// <summary>
/// NFC/NFD/NFKC/NFKD against Node's ICU (what transformers.js normalizes with) on every code point that decomposes
/// or combines and on generated sequences of combining marks, Hangul jamo and two-part vowels.
/// </summary>
public sealed class UnicodeNormalizationTests
{
    [Fact]
    public void Normalization_forms_match_node_icu_on_every_decomposable_character_and_mark_sequences()
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Golden.Path("tests", "golden", "tokenizer-normalization.json")));
        int count = 0;
        var failures = new List<string>();
        foreach (var c in doc.RootElement.GetProperty("cases").EnumerateArray())
        {
            string text = c.GetProperty("text").GetString()!;
            Check(text, UnicodeNormalization.Form.Nfc, c.GetProperty("nfc").GetString()!, failures);
            Check(text, UnicodeNormalization.Form.Nfd, c.GetProperty("nfd").GetString()!, failures);
            Check(text, UnicodeNormalization.Form.Nfkc, c.GetProperty("nfkc").GetString()!, failures);
            Check(text, UnicodeNormalization.Form.Nfkd, c.GetProperty("nfkd").GetString()!, failures);
            count++;
        }
        Assert.True(count > 3000);
        Assert.True(failures.Count == 0, $"{failures.Count} mismatches, first: {string.Join("\n", failures.Take(5))}");
    }

    private static void Check(string text, UnicodeNormalization.Form form, string expected, List<string> failures)
    {
        string actual = UnicodeNormalization.Normalize(text, form);
        if (actual != expected)
        {
            failures.Add($"{form} of {Hex(text)}: expected {Hex(expected)}, got {Hex(actual)}");
        }
    }

    private static string Hex(string s) => string.Join(" ", s.EnumerateRunes().Select(r => r.Value.ToString("X4")));

    [Fact]
    public void Ascii_text_is_returned_unchanged_without_copying()
    {
        string text = "plain ASCII text, 123";
        Assert.Same(text, UnicodeNormalization.Normalize(text, UnicodeNormalization.Form.Nfc));
    }
}
