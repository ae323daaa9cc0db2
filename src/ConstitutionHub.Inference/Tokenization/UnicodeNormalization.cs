using System.Globalization;
using System.Text;

namespace ConstitutionHub.Inference.Tokenization;

/// <summary>
/// Unicode normalization (NFC, NFD, NFKC, NFKD) from generated tables.
/// </summary>
/// <remarks>
/// The application runs with InvariantGlobalization, where string.Normalize returns its input unchanged; tokenizers
/// such as Qwen2's (normalizer "NFC") need the real thing. The tables come from the ICU data transformers.js uses
/// (see UnicodeNormalizationData.generator.mjs); Hangul syllables are handled algorithmically (Unicode 3.12).
/// </remarks>
internal static class UnicodeNormalization
{
    public enum Form { Nfc, Nfd, Nfkc, Nfkd }

    private const int SBase = 0xAC00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7;
    private const int LCount = 19, VCount = 21, TCount = 28, NCount = VCount * TCount, SCount = LCount * NCount;

    private sealed class Tables
    {
        public readonly Dictionary<int, int[]> Canonical = [];
        public readonly Dictionary<int, int[]> Compatibility = [];
        public readonly Dictionary<int, byte> Classes = [];
        public readonly Dictionary<long, int> Compose = [];
    }

    private static readonly Lazy<Tables> Data = new(Build);

    private static Tables Build()
    {
        var t = new Tables();
        foreach (string entry in UnicodeNormalizationData.Decompositions.Split(';'))
        {
            string[] f = entry.Split(':');
            int cp = Hex(f[0]);
            int[]? canonical = f[1].Length == 0 ? null : f[1].Split(' ').Select(Hex).ToArray();
            if (canonical is not null) t.Canonical[cp] = canonical;
            int[]? compat = f[2] == "=" ? canonical : f[2].Split(' ').Select(Hex).ToArray();
            if (compat is not null) t.Compatibility[cp] = compat;
        }
        foreach (string entry in UnicodeNormalizationData.CombiningClasses.Split(';'))
        {
            string[] f = entry.Split(' ');
            t.Classes[Hex(f[0])] = byte.Parse(f[1], CultureInfo.InvariantCulture);
        }
        foreach (string entry in UnicodeNormalizationData.Compositions.Split(';'))
        {
            string[] f = entry.Split(' ');
            t.Compose[Key(Hex(f[0]), Hex(f[1]))] = Hex(f[2]);
        }
        return t;
    }

    private static int Hex(string s) => int.Parse(s, NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private static long Key(int a, int b) => ((long)a << 21) | (uint)b;

    public static string Normalize(string text, Form form)
    {
        // Text below these limits cannot change: nothing under U+0300 combines (and Latin-1 letters are already
        // composed), nothing under U+00C0 decomposes canonically, nothing under U+00A0 has a compatibility mapping.
        bool compat = form is Form.Nfkc or Form.Nfkd;
        int quickLimit = form switch { Form.Nfc => 0x300, Form.Nfd => 0xC0, _ => 0xA0 };
        bool quick = true;
        foreach (char c in text)
        {
            if (c >= quickLimit)
            {
                quick = false;
                break;
            }
        }
        if (quick)
        {
            return text;
        }

        Tables t = Data.Value;
        var buffer = new List<int>(text.Length + 8);
        for (int i = 0; i < text.Length;)
        {
            int cp = HfRegex.CodePointAt(text, i);
            i += cp > 0xFFFF ? 2 : 1;
            Decompose(cp, compat, t, buffer);
        }
        Reorder(buffer, t);
        if (form is Form.Nfc or Form.Nfkc)
        {
            Compose(buffer, t);
        }
        var sb = new StringBuilder(buffer.Count);
        foreach (int cp in buffer)
        {
            if (cp > 0xFFFF) sb.Append(char.ConvertFromUtf32(cp));
            else sb.Append((char)cp);
        }
        return sb.ToString();
    }

    private static void Decompose(int cp, bool compat, Tables t, List<int> output)
    {
        int s = cp - SBase;
        if (s >= 0 && s < SCount)
        {
            output.Add(LBase + s / NCount);
            output.Add(VBase + s % NCount / TCount);
            if (s % TCount != 0) output.Add(TBase + s % TCount);
            return;
        }
        if ((compat ? t.Compatibility : t.Canonical).TryGetValue(cp, out int[]? d))
        {
            output.AddRange(d);
        }
        else
        {
            output.Add(cp);
        }
    }

    private static int Class(int cp, Tables t) => t.Classes.TryGetValue(cp, out byte k) ? k : 0;

    /// <summary>Canonical ordering: a stable sort of each run of non-starters by combining class.</summary>
    private static void Reorder(List<int> cps, Tables t)
    {
        for (int i = 1; i < cps.Count; i++)
        {
            int k = Class(cps[i], t);
            if (k == 0) continue;
            int j = i;
            int cp = cps[i];
            while (j > 0 && Class(cps[j - 1], t) > k)
            {
                cps[j] = cps[j - 1];
                j--;
            }
            cps[j] = cp;
        }
    }

    /// <summary>Canonical composition (Unicode 3.11): join each character with the last starter unless blocked.</summary>
    private static void Compose(List<int> cps, Tables t)
    {
        if (cps.Count == 0) return;
        int starter = Class(cps[0], t) == 0 ? 0 : -1;
        int lastClass = starter == 0 ? 0 : 256;
        int write = 1;
        for (int read = 1; read < cps.Count; read++)
        {
            int cp = cps[read];
            int k = Class(cp, t);
            bool blocked = starter < 0 || (lastClass != 0 && lastClass >= k) || (lastClass == 0 && write - 1 != starter);
            if (!blocked && TryCompose(cps[starter], cp, t, out int composite))
            {
                cps[starter] = composite;
                continue;
            }
            if (k == 0)
            {
                starter = write;
            }
            lastClass = k;
            cps[write++] = cp;
        }
        cps.RemoveRange(write, cps.Count - write);
    }

    private static bool TryCompose(int a, int b, Tables t, out int composite)
    {
        int l = a - LBase, v = b - VBase;
        if (l >= 0 && l < LCount && v >= 0 && v < VCount)
        {
            composite = SBase + (l * VCount + v) * TCount;
            return true;
        }
        int s = a - SBase, tt = b - TBase;
        if (s >= 0 && s < SCount && s % TCount == 0 && tt > 0 && tt < TCount)
        {
            composite = a + tt;
            return true;
        }
        return t.Compose.TryGetValue(Key(a, b), out composite);
    }
}
