using System.Buffers.Binary;

namespace ConstitutionHub.Core.Documents.Text;

/// <summary>
/// A compact sketch of a section body for similarity: the set of word 3-shingles (three consecutive words,
/// lower-cased, Markdown punctuation ignored), kept as the <see cref="Size"/> smallest 32-bit shingle hashes
/// (a bottom-k MinHash sketch). Bodies with at most <see cref="Size"/> distinct shingles (about 130 words) are
/// kept whole, so their Jaccard similarity is exact; larger ones are estimated with a standard error of about
/// sqrt(J(1-J)/128), under 0.045. Encoded it is about 690 characters, and it travels with
/// <see cref="SectionInfo"/> so the next revision can be matched without the previous text.
/// </summary>
internal sealed class SectionFingerprint
{
    public const int Size = 128;
    private const string Version = "v1";

    private SectionFingerprint(int shingleCount, uint[] smallest)
    {
        ShingleCount = shingleCount;
        Smallest = smallest;
    }

    /// <summary>Distinct shingles in the body; -1 when unknown (no fingerprint was stored).</summary>
    public int ShingleCount { get; }

    /// <summary>The smallest shingle hashes, ascending, at most <see cref="Size"/>.</summary>
    public uint[] Smallest { get; }

    public bool IsKnown => ShingleCount >= 0;

    public bool IsComplete => ShingleCount <= Size;

    public static SectionFingerprint Unknown { get; } = new(-1, []);

    public static SectionFingerprint Of(string body)
    {
        var words = Words(body);
        var hashes = new HashSet<uint>();
        if (words.Count is > 0 and < 3)
        {
            hashes.Add(Shingle(words, 0, words.Count));
        }
        for (var i = 0; i + 3 <= words.Count; i++)
        {
            hashes.Add(Shingle(words, i, 3));
        }
        var sorted = hashes.ToArray();
        Array.Sort(sorted);
        return new SectionFingerprint(sorted.Length, sorted.Length <= Size ? sorted : sorted[..Size]);
    }

    public string Encode()
    {
        if (!IsKnown) return "";
        var bytes = new byte[Smallest.Length * 4];
        for (var i = 0; i < Smallest.Length; i++) BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(i * 4), Smallest[i]);
        return $"{Version}.{ShingleCount}.{Convert.ToBase64String(bytes)}";
    }

    /// <summary>Reads an encoded fingerprint; anything unreadable is <see cref="Unknown"/> (matching then relies on headings).</summary>
    public static SectionFingerprint Decode(string? encoded)
    {
        var parts = (encoded ?? "").Split('.');
        if (parts.Length != 3 || parts[0] != Version || !int.TryParse(parts[1], out var count) || count < 0) return Unknown;
        var bytes = new byte[parts[2].Length];
        if (!Convert.TryFromBase64String(parts[2], bytes, out var length) || length % 4 != 0) return Unknown;
        var values = new uint[length / 4];
        for (var i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(i * 4));
        if (values.Length != Math.Min(count, Size)) return Unknown;
        return new SectionFingerprint(count, values);
    }

    /// <summary>Jaccard similarity of the two shingle sets: exact for small bodies, estimated for large ones.</summary>
    public static double Jaccard(SectionFingerprint a, SectionFingerprint b)
    {
        if (!a.IsKnown || !b.IsKnown || a.ShingleCount == 0 || b.ShingleCount == 0) return 0;
        if (a.IsComplete && b.IsComplete)
        {
            var common = CountCommon(a.Smallest, b.Smallest, int.MaxValue, out _);
            return (double)common / (a.ShingleCount + b.ShingleCount - common);
        }
        // Bottom-k estimate: of the k smallest hashes of the union, the fraction present in both sets.
        var inBoth = CountCommon(a.Smallest, b.Smallest, Size, out var taken);
        return taken == 0 ? 0 : (double)inBoth / taken;
    }

    /// <summary>Estimated number of shingles the two bodies share.</summary>
    public static double SharedShingles(SectionFingerprint a, SectionFingerprint b, double jaccard) =>
        jaccard <= 0 ? 0 : jaccard / (1 + jaccard) * (a.ShingleCount + b.ShingleCount);

    /// <summary>Walks the union of two ascending arrays in order, up to <paramref name="limit"/> values.</summary>
    private static int CountCommon(uint[] a, uint[] b, int limit, out int taken)
    {
        int i = 0, j = 0, common = 0;
        taken = 0;
        while (taken < limit && (i < a.Length || j < b.Length))
        {
            if (j >= b.Length || (i < a.Length && a[i] < b[j])) i++;
            else if (i >= a.Length || b[j] < a[i]) j++;
            else { common++; i++; j++; }
            taken++;
        }
        return common;
    }

    private static List<ulong> Words(string text)
    {
        var words = new List<ulong>();
        var hash = Offset;
        var inWord = false;
        foreach (var c in text)
        {
            if (char.IsLetterOrDigit(c))
            {
                hash = (hash ^ char.ToLowerInvariant(c)) * Prime;
                inWord = true;
            }
            else if (inWord)
            {
                words.Add(hash);
                hash = Offset;
                inWord = false;
            }
        }
        if (inWord) words.Add(hash);
        return words;
    }

    private static uint Shingle(List<ulong> words, int start, int count)
    {
        ulong h = 0;
        for (var i = start; i < start + count; i++) h = Mix(h + words[i]);
        return (uint)(h >> 32);
    }

    // FNV-1a for words and the splitmix64 finaliser for combining: fixed constants, so fingerprints are stable
    // across processes and machines (string.GetHashCode is randomised per process).
    private const ulong Offset = 14695981039346656037;
    private const ulong Prime = 1099511628211;

    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }
}
