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

        /// <summary>Per BMP character, a bit per form (1 &lt;&lt; (int)Form) set when the character may change under it.</summary>
        public readonly byte[] BmpUnstable = new byte[65536];

        /// <summary>The same for astral characters, which are rarely affected (emoji are not).</summary>
        public readonly Dictionary<int, byte> AstralUnstable = [];
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
        var composites = new HashSet<int>();
        var seconds = new HashSet<int>();
        foreach (string entry in UnicodeNormalizationData.Compositions.Split(';'))
        {
            string[] f = entry.Split(' ');
            t.Compose[Key(Hex(f[0]), Hex(f[1]))] = Hex(f[2]);
            seconds.Add(Hex(f[1]));
            composites.Add(Hex(f[2]));
        }
        // Quick check (in the spirit of UAX #15's NFC_Quick_Check): a character is stable under a form when it has no
        // decomposition there (or, for the composed forms, is itself a primary composite), has combining class 0,
        // and cannot combine with a preceding character.
        void Mark(int cp, Form form)
        {
            byte bit = (byte)(1 << (int)form);
            if (cp <= 0xFFFF) t.BmpUnstable[cp] |= bit;
            else t.AstralUnstable[cp] = (byte)(t.AstralUnstable.GetValueOrDefault(cp) | bit);
        }
        foreach (int cp in t.Classes.Keys)
        {
            foreach (Form f in Enum.GetValues<Form>()) Mark(cp, f);
        }
        foreach (int cp in seconds)
        {
            Mark(cp, Form.Nfc);
            Mark(cp, Form.Nfkc);
        }
        for (int cp = VBase; cp < VBase + VCount; cp++) { Mark(cp, Form.Nfc); Mark(cp, Form.Nfkc); }
        for (int cp = TBase + 1; cp < TBase + TCount; cp++) { Mark(cp, Form.Nfc); Mark(cp, Form.Nfkc); }
        for (int cp = SBase; cp < SBase + SCount; cp++) { Mark(cp, Form.Nfd); Mark(cp, Form.Nfkd); }
        foreach (int cp in t.Canonical.Keys)
        {
            Mark(cp, Form.Nfd);
            Mark(cp, Form.Nfkd);
            if (!composites.Contains(cp)) { Mark(cp, Form.Nfc); Mark(cp, Form.Nfkc); }
        }
        foreach (var (cp, compat) in t.Compatibility)
        {
            if (t.Canonical.TryGetValue(cp, out var canonical) && canonical == compat) continue;
            Mark(cp, Form.Nfkd);
            Mark(cp, Form.Nfkc);
        }
        return t;
    }

    private static int Hex(string s) => int.Parse(s, NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private static long Key(int a, int b) => ((long)a << 21) | (uint)b;

    public static string Normalize(string text, Form form)
    {
        bool compat = form is Form.Nfkc or Form.Nfkd;
        Tables t = Data.Value;
        if (IsStable(text, form, t))
        {
            return text;
        }
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

    private static bool IsStable(string text, Form form, Tables t)
    {
        byte bit = (byte)(1 << (int)form);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c < 0xA0) continue;
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                if (t.AstralUnstable.Count > 0 && (t.AstralUnstable.GetValueOrDefault(char.ConvertToUtf32(c, text[++i])) & bit) != 0) return false;
                continue;
            }
            if ((t.BmpUnstable[c] & bit) != 0) return false;
        }
        return true;
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
