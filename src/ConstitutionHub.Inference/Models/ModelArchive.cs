using System.Formats.Tar;

namespace ConstitutionHub.Inference.Models;

/// <summary>
/// A checked model folder as a tar archive (POSIX pax), written straight to the output: each file is copied from disk
/// to the stream in turn, never held in memory, so a download of gigabytes of weights costs a buffer. Only
/// <see cref="ModelFolder.Files"/> go in, under <c>{folder id}/</c>, with plain modes and no owner names.
/// </summary>
public static class ModelArchive
{
    public const string ContentType = "application/x-tar";

    public static async Task WriteTarAsync(ModelFolder folder, Stream output, CancellationToken ct = default)
    {
        await using var tar = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
        foreach (var relative in folder.Files)
        {
            var path = Path.Combine(folder.FolderPath, relative);
            await using var data = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
            var entry = new PaxTarEntry(TarEntryType.RegularFile, $"{folder.Id}/{relative}")
            {
                DataStream = data,
                Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
                ModificationTime = File.GetLastWriteTimeUtc(path),
            };
            await tar.WriteEntryAsync(entry, ct);
        }
    }
}
