using System.Security.Cryptography;

namespace ConstitutionHub.Inference.Generation;

/// <summary>
/// xoshiro256** seeded through SplitMix64: our own generator, so that a seed reproduces a reply exactly on every
/// machine and .NET version (System.Random's algorithm is not a promise).
/// </summary>
internal sealed class SeededRandom
{
    private ulong s0, s1, s2, s3;

    public SeededRandom(long? seed)
    {
        ulong x = seed is long s ? unchecked((ulong)s) : BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));
        s0 = SplitMix(ref x);
        s1 = SplitMix(ref x);
        s2 = SplitMix(ref x);
        s3 = SplitMix(ref x);
    }

    public ulong NextUInt64()
    {
        ulong result = RotateLeft(s1 * 5, 7) * 9;
        ulong t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = RotateLeft(s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));
}
