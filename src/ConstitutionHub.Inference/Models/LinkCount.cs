using System.Runtime.InteropServices;

namespace ConstitutionHub.Inference.Models;

/// <summary>
/// How many directory entries name a file (its hard links), through Linux's statx. A hard link into a model folder is
/// the same file as one outside it: whoever can write the other name changes the weights after they were checked and
/// hashed, so model folders refuse files with more than one link, as they refuse symbolic links.
/// </summary>
internal static partial class LinkCount
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxNlink = 0x4;
    private const int NlinkOffset = 16; // struct statx: u32 stx_mask, u32 stx_blksize, u64 stx_attributes, u32 stx_nlink

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static unsafe partial int Statx(int dirfd, string path, int flags, uint mask, byte* buffer);

    /// <summary>The link count, or null where statx is unavailable (not Linux).</summary>
    public static unsafe uint? Of(string path)
    {
        if (!OperatingSystem.IsLinux()) return null;
        byte* buffer = stackalloc byte[256];
        if (Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxNlink, buffer) != 0)
            throw new IOException($"Cannot read the links of {path} (errno {Marshal.GetLastPInvokeError()}).");
        return *(uint*)(buffer + NlinkOffset);
    }
}
