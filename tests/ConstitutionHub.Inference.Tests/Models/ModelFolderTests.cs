using System.Security.Cryptography;
using ConstitutionHub.Inference.Generation;
using ConstitutionHub.Inference.Models;
using ConstitutionHub.Inference.Tests.Generation;
using ConstitutionHub.Inference.Tests.Tokenization;

namespace ConstitutionHub.Inference.Tests.Models;

public sealed class ModelFolderTests
{
    private static ModelFolderException Refused(string folder, ModelFolderLimits? limits = null) =>
        Assert.Throws<ModelFolderException>(() => ModelFolder.Open(folder, limits ?? new ModelFolderLimits()));

    [Fact]
    public void A_good_folder_opens_with_hash_parameters_and_template()
    {
        string folder = TestModels.TinyModelFolder();
        var model = ModelFolder.Open(folder, new ModelFolderLimits());
        Assert.Equal("tiny", model.Id);
        Assert.Equal("tiny", model.DisplayName);
        Assert.False(model.IsDemo);
        Assert.EndsWith(Path.Combine("onnx", "model.onnx"), model.WeightsPath);
        // embed 2903x16 + lm_head 16x2903 + kv_shape 4, as make-fixtures.py builds them
        Assert.Equal(2903 * 16 * 2 + 4, model.Facts.ParameterCount);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(model.WeightsPath))), model.WeightsSha256);
        Assert.True(WeightsHash.IsCached(model.WeightsPath));
        Assert.Equal([TestModels.EndOfTurn], model.Config.EosTokenIds);
    }

    [Fact]
    public void The_demo_model_counts_its_parameters_from_the_graph()
    {
        string folder = Golden.Path("models", "demo-qwen2");
        var model = ModelFolder.Open(folder, new ModelFolderLimits());
        Assert.True(model.IsDemo);
        Assert.StartsWith("Demo", model.DisplayName);
        // 1895x256 embeddings (tied) and four layers of a 256-wide Qwen2 block: about three million.
        Assert.InRange(model.Facts.ParameterCount, 2_500_000, 3_500_000);
        Assert.Equal("qwen2", model.Config.ModelType);
        Assert.Equal([1894, 1892], model.Config.EosTokenIds); // <|im_end|>, <|endoftext|> of tools/demo-model/bpe.py
    }

    [Fact]
    public void A_link_anywhere_in_the_folder_is_refused()
    {
        string folder = TestModels.TinyModelFolder(tweak: dir => File.CreateSymbolicLink(Path.Combine(dir, "onnx", "extra.bin"), "/etc/hostname"));
        var e = Refused(folder);
        Assert.Contains("onnx/extra.bin is a link", e.Message);
    }

    [Fact]
    public void A_hard_linked_weights_file_is_refused()
    {
        string outside = "";
        string folder = TestModels.TinyModelFolder(tweak: dir =>
        {
            // The same file under a second name outside the folder: writing that name would change the checked weights.
            outside = Path.Combine(Path.GetDirectoryName(dir)!, "same-inode.onnx");
            using var ln = System.Diagnostics.Process.Start("ln", [Path.Combine(dir, "onnx", "model.onnx"), outside]);
            ln.WaitForExit();
            Assert.Equal(0, ln.ExitCode);
        });
        var e = Refused(folder);
        Assert.Contains("onnx/model.onnx has 2 hard links", e.Message);

        File.Delete(outside);
        Assert.NotNull(ModelFolder.Open(folder, new ModelFolderLimits())); // one name again: accepted
    }

    [Fact]
    public void A_linked_weights_file_is_refused()
    {
        string folder = TestModels.TinyModelFolder(tweak: dir =>
        {
            string real = Path.Combine(Path.GetDirectoryName(dir)!, "elsewhere.onnx");
            File.Move(Path.Combine(dir, "onnx", "model.onnx"), real);
            File.CreateSymbolicLink(Path.Combine(dir, "onnx", "model.onnx"), real);
        });
        Assert.Contains("is a link", Refused(folder).Message);
    }

    [Fact]
    public void External_data_outside_the_folder_is_refused()
    {
        string folder = TestModels.TinyModelFolder(tweak: dir =>
        {
            File.Copy(TestModels.Fixture("external-escape.onnx"), Path.Combine(dir, "onnx", "model.onnx"), overwrite: true);
            File.WriteAllBytes(Path.Combine(dir, "outside.bin"), new byte[16]); // exists, but the path still climbs with ..
        });
        var e = Refused(folder);
        Assert.Contains("../outside.bin", e.Message);
        Assert.Contains("only relative paths inside the model folder", e.Message);
    }

    [Theory]
    [InlineData("/etc/passwd")]
    [InlineData("a/../../b")]
    [InlineData("..\\x")]
    public void External_data_paths_that_could_leave_the_folder_are_refused(string location)
    {
        string root = Directory.CreateTempSubdirectory().FullName;
        Directory.CreateDirectory(Path.Combine(root, "onnx"));
        Assert.Throws<ModelFolderException>(() => ModelFolder.ResolveExternalData(root, Path.Combine(root, "onnx", "model.onnx"), location));
    }

    [Fact]
    public void External_data_inside_the_folder_is_accepted()
    {
        string root = Directory.CreateTempSubdirectory().FullName;
        Directory.CreateDirectory(Path.Combine(root, "onnx"));
        File.WriteAllBytes(Path.Combine(root, "onnx", "model.onnx_data"), [1, 2, 3]);
        Assert.Equal(Path.Combine(root, "onnx", "model.onnx_data"), ModelFolder.ResolveExternalData(root, Path.Combine(root, "onnx", "model.onnx"), "model.onnx_data"));
    }

    [Fact]
    public void Oversize_weights_and_json_are_refused()
    {
        string folder = TestModels.TinyModelFolder();
        var weights = Refused(folder, new ModelFolderLimits { MaxWeightsBytes = 1000 });
        Assert.Contains("onnx/model.onnx is 373,020 bytes, over the limit of 1,000", weights.Message);
        var json = Refused(folder, new ModelFolderLimits { MaxJsonBytes = 100 });
        Assert.Contains("over the limit of 100", json.Message);
    }

    [Fact]
    public void Missing_pieces_are_named()
    {
        Assert.Contains("config.json is missing", Refused(TestModels.TinyModelFolder(tweak: d => File.Delete(Path.Combine(d, "config.json")))).Message);
        Assert.Contains("No weights", Refused(TestModels.TinyModelFolder(tweak: d => File.Delete(Path.Combine(d, "onnx", "model.onnx")))).Message);
        Assert.Contains("no chat_template", Refused(TestModels.TinyModelFolder(tweak: d => File.WriteAllText(Path.Combine(d, "tokenizer_config.json"), "{}"))).Message);
    }

    [Fact]
    public void Weights_are_chosen_by_constitutionhub_json_or_in_a_fixed_order()
    {
        string folder = TestModels.TinyModelFolder(tweak: d =>
        {
            File.Move(Path.Combine(d, "onnx", "model.onnx"), Path.Combine(d, "onnx", "model_q4.onnx"));
            File.Copy(TestModels.Fixture("tiny-decoder-fp16.onnx"), Path.Combine(d, "onnx", "model_fp16.onnx"));
        });
        Assert.EndsWith("model_fp16.onnx", ModelFolder.Open(folder, new ModelFolderLimits()).WeightsPath);

        File.WriteAllText(Path.Combine(folder, "constitutionhub.json"), """{"file": "model_q4.onnx", "displayName": "Tiny", "demo": true}""");
        var chosen = ModelFolder.Open(folder, new ModelFolderLimits());
        Assert.EndsWith("model_q4.onnx", chosen.WeightsPath);
        Assert.Equal("Tiny", chosen.DisplayName);
        Assert.True(chosen.IsDemo);

        File.WriteAllText(Path.Combine(folder, "constitutionhub.json"), """{"file": "../../etc/passwd"}""");
        Assert.Contains("inside the model folder", Refused(folder).Message);
    }

    [Fact]
    public void A_template_list_uses_its_default_entry()
    {
        string folder = TestModels.TinyModelFolder(tweak: d => File.WriteAllText(Path.Combine(d, "tokenizer_config.json"), """
            {"eos_token": "<|im_end|>", "chat_template": [
              {"name": "tool_use", "template": "TOOLS"},
              {"name": "default", "template": "{% for m in messages %}[{{ m.role }}]{{ m.content }}{% endfor %}{% if add_generation_prompt %}[assistant]{% endif %}"}
            ]}
            """));
        using var model = TestModels.Open(folder);
        Assert.Equal("[user]hi[assistant]", model.RenderPrompt([new ChatMessage("user", "hi")]));
    }

    [Fact]
    public void One_broken_folder_does_not_stop_the_others()
    {
        string good = TestModels.TinyModelFolder();
        string models = Path.GetDirectoryName(good)!;
        Directory.CreateDirectory(Path.Combine(models, "broken"));
        File.WriteAllText(Path.Combine(models, "broken", "config.json"), "{ not json");
        var found = new OnnxModelScanner().Scan(new InferenceOptions { ModelsPath = models });
        Assert.Equal(["broken", "tiny"], found.Select(f => f.Info.Id));
        Assert.Null(found[0].Model);
        Assert.False(found[0].Info.IsAvailable);
        Assert.NotNull(found[1].Model);
        Assert.True(found[1].Info.IsAvailable);
        Assert.Equal("qwen2", found[1].Info.Architecture);
        Assert.Equal(64, found[1].Info.ContextLength);
        Assert.Equal("cpu", found[1].Info.ExecutionProvider);
        Assert.Equal(64, found[1].Info.WeightsSha256.Length);
        (found[1].Model as IDisposable)?.Dispose();
    }
}
