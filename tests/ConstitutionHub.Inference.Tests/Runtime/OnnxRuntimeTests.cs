using ConstitutionHub.Inference.Generation;
using ConstitutionHub.Inference.Models;
using ConstitutionHub.Inference.Runtime;
using ConstitutionHub.Inference.Tests.Generation;
using Microsoft.ML.OnnxRuntime;

namespace ConstitutionHub.Inference.Tests.Runtime;

public sealed class OnnxRuntimeTests
{
    [Fact]
    public void The_runtime_is_the_1_31_native_package_of_this_build()
    {
        Assert.StartsWith("1.31.", OrtRuntime.Version);
        var providers = OrtRuntime.AvailableProviders();
        Assert.Contains("CPUExecutionProvider", providers);
        // The default build carries the GPU package; -p:OnnxRuntimePackage=cpu builds carry the CPU one, never both.
        string package = typeof(OnnxRuntimeTests).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>().Single(a => a.Key == "OnnxRuntimePackage").Value ?? "";
        Assert.Equal(package == "gpu", providers.Contains("CUDAExecutionProvider"));
    }

    [Fact]
    public void A_corrupt_onnx_file_fails_with_the_runtime_message()
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory().FullName, "corrupt.onnx");
        File.WriteAllBytes(path, [0x08, 0x07, 0x12, 0xFF, 0xFF, 0x01, 0x42, 0x13, 0x37]);
        var e = Assert.Throws<OnnxRuntimeException>(() => OnnxSession.Open(path, new SessionSettings()));
        Assert.Contains("corrupt.onnx", e.Message);
    }

    [Fact]
    public void A_corrupt_weights_file_is_refused_before_the_runtime_sees_it()
    {
        string folder = TestModels.TinyModelFolder(tweak: dir => File.WriteAllBytes(Path.Combine(dir, "onnx", "model.onnx"), [0x3A, 0x7F, 0x01]));
        var e = Assert.Throws<ModelFolderException>(() => ModelFolder.Open(folder, new ModelFolderLimits()));
        Assert.Contains("onnx/model.onnx", e.Message);
        Assert.Contains("not an ONNX model", e.Message);
    }

    [Fact]
    public void A_graph_with_an_unknown_operator_fails_naming_the_operator()
    {
        var e = Assert.Throws<OnnxRuntimeException>(() => OnnxSession.Open(TestModels.Fixture("unsupported-op.onnx"), new SessionSettings()));
        Assert.Contains("FrobnicateTensor", e.Message);

        // Through the scanner the model gets an error entry that says which file failed.
        string folder = TestModels.TinyModelFolder(tweak: dir => File.Copy(TestModels.Fixture("unsupported-op.onnx"), Path.Combine(dir, "onnx", "model.onnx"), overwrite: true));
        var entry = new OnnxModelScanner().Load(folder, new InferenceOptions());
        Assert.Null(entry.Model);
        Assert.Contains("cannot load onnx/model.onnx", entry.Info.Error);
        Assert.Contains("FrobnicateTensor", entry.Info.Error);
    }

    [Fact]
    public void A_graph_without_a_kv_cache_is_refused_with_a_clear_message()
    {
        string folder = TestModels.TinyModelFolder(tweak: dir => File.Copy(TestModels.Fixture("no-kv.onnx"), Path.Combine(dir, "onnx", "model.onnx"), overwrite: true));
        var entry = new OnnxModelScanner().Load(folder, new InferenceOptions());
        Assert.Null(entry.Model);
        Assert.Contains("no KV cache", entry.Info.Error);
        Assert.Contains("past_key_values", entry.Info.Error);
    }
}
