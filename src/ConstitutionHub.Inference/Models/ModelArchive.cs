using System.Formats.Tar;
using System.IO.Compression;

namespace ConstitutionHub.Inference.Models;

/// <summary>
/// A checked model folder as a tar archive (POSIX pax) or a zip archive, written straight to the output: each file is
/// copied from disk to the stream in turn, never held in memory, so a download of gigabytes of weights costs a buffer.
/// Only <see cref="ModelFolder.Files"/> go in, under <c>{folder id}/</c>, in the same order in either archive; the tar
/// with plain modes and no owner names.
/// </summary>
public static class ModelArchive
{
    public const string ContentType = "application/x-tar";
    public const string ZipContentType = "application/zip";

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

    /// <summary>
    /// The same files as <see cref="WriteTarAsync"/>, as a zip for those without a tar reader (Windows Explorer). Stored,
    /// not deflated: weights hardly compress, and deflating gigabytes would cost the server far more than it saves.
    /// On an output that cannot seek (a response body) each entry's sizes follow its data, so nothing is buffered; an
    /// entry over 4 GiB then gets Zip64 sizes only in its data descriptor and the central directory, which readers use
    /// (dotnet/runtime#127389).
    /// </summary>
    public static async Task WriteZipAsync(ModelFolder folder, Stream output, CancellationToken ct = default)
    {
        var body = new SmallWritesHeld(output);
        await using (var zip = await ZipArchive.CreateAsync(body, ZipArchiveMode.Create, leaveOpen: true, entryNameEncoding: null, ct))
        {
            foreach (var relative in folder.Files)
            {
                var path = Path.Combine(folder.FolderPath, relative);
                await using var data = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
                var entry = zip.CreateEntry($"{folder.Id}/{relative}", CompressionLevel.NoCompression);
                entry.LastWriteTime = File.GetLastWriteTimeUtc(path);
                await using (var target = await entry.OpenAsync(ct)) await data.CopyToAsync(target, ct);
                await body.FlushAsync(ct);
            }
        }
        await body.FlushAsync(ct);
    }

    /// <summary>
    /// A write-only stream over the response body that holds what is written synchronously until the next asynchronous
    /// write or flush. ZipArchive writes an entry's data descriptor synchronously even when the entry is disposed
    /// asynchronously, and Kestrel refuses synchronous writes; those writes are headers of some tens of bytes, while the
    /// files' bytes go through asynchronously.
    /// </summary>
    private sealed class SmallWritesHeld(Stream inner) : Stream
    {
        private readonly MemoryStream held = new();

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => held.Write(buffer, offset, count);
        public override void Write(ReadOnlySpan<byte> buffer) => held.Write(buffer);
        // Nothing to do: what is held goes out at the next asynchronous write or flush.
        public override void Flush() { }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
            WriteAsync(buffer.AsMemory(offset, count), ct).AsTask();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
        {
            await SendHeldAsync(ct);
            await inner.WriteAsync(buffer, ct);
        }

        public override async Task FlushAsync(CancellationToken ct)
        {
            await SendHeldAsync(ct);
            await inner.FlushAsync(ct);
        }

        private async Task SendHeldAsync(CancellationToken ct)
        {
            if (held.Length == 0) return;
            await inner.WriteAsync(held.GetBuffer().AsMemory(0, (int)held.Length), ct);
            held.SetLength(0);
        }
    }
}
