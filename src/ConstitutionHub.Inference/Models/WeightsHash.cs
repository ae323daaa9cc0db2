using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace ConstitutionHub.Inference.Models;

/// <summary>
/// SHA-256 of a weights file, streamed (never the whole file in memory) and remembered by path, size and modification
/// time, so a rescan or a second scanner does not read gigabytes again.
/// </summary>
public static class WeightsHash
{
    private static readonly ConcurrentDictionary<(string Path, long Size, DateTime Modified), string> Cache = new();

    public static string Compute(string path)
    {
        var info = new FileInfo(path);
        var key = (info.FullName, info.Length, info.LastWriteTimeUtc);
        return Cache.GetOrAdd(key, static k =>
        {
            using var stream = new FileStream(k.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
            return Convert.ToHexStringLower(SHA256.HashData(stream));
        });
    }

    /// <summary>Whether a hash for this exact file version is already known (tests of the cache).</summary>
    internal static bool IsCached(string path)
    {
        var info = new FileInfo(path);
        return Cache.ContainsKey((info.FullName, info.Length, info.LastWriteTimeUtc));
    }
}
