using System.Globalization;

namespace ConstitutionHub.Inference.Tokenization;

/// <summary>
/// Rust tokenizers' UnicodeScripts (transformers.js has none): a cut wherever the script changes. As in Rust, a
/// space belongs to no script (it neither cuts nor changes the current script), Hiragana, Katakana, Hangul and
/// U+30FC count as Han, and leading spaces before the first cut are dropped.
/// </summary>
internal sealed class UnicodeScriptsPreTokenizer : PreTokenizer
{
    private const int Any = -1;
    private static readonly Lazy<(int[] Starts, int[] Scripts, int Han, int[] HanLike)> Table = new(Load);

    public override void PreTokenize(string text, int sectionIndex, List<string> output)
    {
        var cuts = new List<int>();
        int last = int.MinValue; // no script yet
        for (int i = 0; i < text.Length; i += CharClasses.LengthAt(text, i))
        {
            int script = FixedScript(text, i);
            if (script != Any && last != Any && last != script) cuts.Add(i);
            if (script != Any) last = script;
        }
        cuts.Add(text.Length);
        for (int k = 0; k + 1 < cuts.Count; k++)
        {
            if (cuts[k + 1] > cuts[k]) output.Add(text[cuts[k]..cuts[k + 1]]);
        }
    }

    private static int FixedScript(string text, int index)
    {
        char c = text[index];
        if (c == ' ') return Any;
        var (starts, scripts, han, hanLike) = Table.Value;
        if (c == '\u30FC') return han;
        int cp = char.IsSurrogatePair(text, index) ? char.ConvertToUtf32(text, index) : c;
        int run = Array.BinarySearch(starts, cp);
        int script = scripts[run >= 0 ? run : ~run - 1];
        return Array.IndexOf(hanLike, script) >= 0 ? han : script;
    }

    private static (int[], int[], int, int[]) Load()
    {
        string[] runs = UnicodeScriptsData.Runs.Split(';');
        var starts = new int[runs.Length];
        var scripts = new int[runs.Length];
        for (int i = 0; i < runs.Length; i++)
        {
            int colon = runs[i].IndexOf(':');
            starts[i] = int.Parse(runs[i].AsSpan(0, colon), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            scripts[i] = int.Parse(runs[i].AsSpan(colon + 1), CultureInfo.InvariantCulture);
        }
        int Script(string name) => Array.IndexOf(UnicodeScriptsData.Names, name);
        return (starts, scripts, Script("Han"), [Script("Hiragana"), Script("Katakana"), Script("Hangul")]);
    }
}
