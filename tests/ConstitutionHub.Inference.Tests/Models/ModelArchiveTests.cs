using System.Formats.Tar;
using System.IO.Compression;
using ConstitutionHub.Inference.Models;
using ConstitutionHub.Inference.Tests.Generation;

namespace ConstitutionHub.Inference.Tests.Models;

public sealed class ModelArchiveTests
{
    [Fact]
    public async Task The_archive_holds_exactly_the_checked_files_of_the_folder_byte_for_byte()
    {
        string root = TestModels.TinyModelFolder();
        File.WriteAllText(Path.Combine(root, "notes.txt"), "never read by a check");
        File.Copy(Path.Combine(root, "onnx", "model.onnx"), Path.Combine(root, "onnx", "model_fp16.onnx"));
        var folder = ModelFolder.Open(root, new ModelFolderLimits());

        // The weights in use and the JSON files read; not a stray file, nor weights the folder does not use.
        Assert.Contains("onnx/model.onnx", folder.Files);
        Assert.Contains("config.json", folder.Files);
        Assert.Contains("tokenizer.json", folder.Files);
        Assert.DoesNotContain("notes.txt", folder.Files);
        Assert.DoesNotContain("onnx/model_fp16.onnx", folder.Files);

        using var archive = new MemoryStream();
        await ModelArchive.WriteTarAsync(folder, archive);
        archive.Position = 0;
        var entries = new List<string>();
        await using var reader = new TarReader(archive);
        while (await reader.GetNextEntryAsync(copyData: true) is { } entry)
        {
            entries.Add(entry.Name);
            using var data = new MemoryStream();
            await entry.DataStream!.CopyToAsync(data);
            Assert.Equal(File.ReadAllBytes(Path.Combine(root, entry.Name["tiny/".Length..])), data.ToArray());
        }
        Assert.Equal(folder.Files.Select(f => "tiny/" + f), entries);
    }

    [Fact]
    public async Task The_zip_holds_the_same_entries_in_the_same_order_with_the_same_bytes_as_the_tar()
    {
        string root = TestModels.TinyModelFolder();
        var folder = ModelFolder.Open(root, new ModelFolderLimits());

        using var tarArchive = new MemoryStream();
        await ModelArchive.WriteTarAsync(folder, tarArchive);
        tarArchive.Position = 0;
        var tar = new List<(string Name, string Sha256)>();
        await using (var reader = new TarReader(tarArchive))
            while (await reader.GetNextEntryAsync() is { } entry)
                tar.Add((entry.Name, Convert.ToHexStringLower(await System.Security.Cryptography.SHA256.HashDataAsync(entry.DataStream!))));

        // Written to a stream that cannot seek, as a response body is.
        using var zipArchive = new MemoryStream();
        await using (var body = new ForwardOnly(zipArchive)) await ModelArchive.WriteZipAsync(folder, body);
        zipArchive.Position = 0;
        var zip = new List<(string Name, string Sha256)>();
        await using (var reader = await ZipArchive.CreateAsync(zipArchive, ZipArchiveMode.Read, leaveOpen: false, entryNameEncoding: null))
            foreach (var entry in reader.Entries)
            {
                await using var data = await entry.OpenAsync();
                zip.Add((entry.FullName, Convert.ToHexStringLower(await System.Security.Cryptography.SHA256.HashDataAsync(data))));
            }

        Assert.NotEmpty(tar);
        Assert.Equal(tar, zip);
    }

    /// <summary>A write-only stream without seeking or a length, over a memory stream, that refuses synchronous writes as
    /// Kestrel's response body does.</summary>
    private sealed class ForwardOnly(Stream inner) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => throw new InvalidOperationException("Synchronous operations are disallowed.");
        public override Task FlushAsync(CancellationToken ct) => inner.FlushAsync(ct);
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new InvalidOperationException("Synchronous operations are disallowed.");
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default) => inner.WriteAsync(buffer, ct);
        protected override void Dispose(bool disposing) { }
    }
}
