using System.Formats.Tar;
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
}
