using ConstitutionHub.Inference.Generation;
using ConstitutionHub.Inference.Models;
using ConstitutionHub.Inference.Native;
using ConstitutionHub.Inference.Tests.Generation;

namespace ConstitutionHub.Inference.Tests.Native;

public sealed class OrtBindingTests
{
    [Fact]
    public void Runtime_is_the_fetched_1_30_library_and_serves_our_api_version()
    {
        var rt = TestModels.Runtime;
        Assert.Equal("1.30.0", rt.Version);
        Assert.EndsWith(Path.Combine(".cache", "onnxruntime", "libonnxruntime.so.1"), rt.LibraryPath);
        Assert.Contains("CPUExecutionProvider", rt.AvailableProviders());
    }

    [Fact]
    public void Api_table_positions_reach_the_functions_they_name()
    {
        // Each call below only gives this answer if the index points at the function of that name.
        var rt = TestModels.Runtime;
        using var cpu = rt.CreateCpuMemoryInfo(); // CreateCpuMemoryInfo, ReleaseMemoryInfo
        Assert.Equal("Cpu", rt.MemoryInfoName(cpu)); // MemoryInfoGetName
        using var value = rt.CreateAllocatedTensor([2, 3], TensorElementType.Float16); // CreateTensorAsOrtValue
        var meta = rt.ValueMetadata(value); // GetTensorTypeAndShape, GetTensorElementType, GetDimensions
        Assert.Equal(TensorElementType.Float16, meta.ElementType);
        Assert.Equal([2L, 3L], meta.Dimensions);
    }

    [Fact]
    public void An_error_status_becomes_an_exception_with_code_and_message()
    {
        var rt = TestModels.Runtime;
        nint status = rt.CreateStatus(OrtErrorCode.InvalidGraph, "the graph is upside down");
        var e = Assert.Throws<OrtException>(() => rt.Check(status));
        Assert.Equal(OrtErrorCode.InvalidGraph, e.Code);
        Assert.Equal("the graph is upside down", e.RuntimeMessage);
        Assert.Contains("InvalidGraph", e.Message);
    }

    [Fact]
    public void A_missing_library_names_the_path_tried_and_the_fetch_script()
    {
        string missing = Path.Combine(Path.GetTempPath(), "no-such-ort-" + Guid.NewGuid().ToString("N"));
        var e = Assert.Throws<InferenceException>(() => OrtLibrary.Load(missing));
        Assert.Equal("runtime_missing", e.Code);
        Assert.Contains(missing, e.Message);
        Assert.Contains("tools/fetch-onnxruntime.sh", e.Message);

        // The process-wide runtime gives the same answer for a path that does not exist.
        var again = Assert.Throws<InferenceException>(() => OrtRuntime.Load(missing));
        Assert.Equal("runtime_missing", again.Code);
        Assert.Contains(missing, again.Message);
    }

    [Fact]
    public void A_folder_as_runtime_path_means_the_library_inside_it()
    {
        Assert.Equal(["/opt/ort/libonnxruntime.so.1.30.0"], OrtLibrary.Candidates("/opt/ort/libonnxruntime.so.1.30.0"));
        string dir = Directory.CreateTempSubdirectory().FullName;
        Assert.Equal([Path.Combine(dir, OrtLibrary.FileName)], OrtLibrary.Candidates(dir));
    }

    [Fact]
    public void Scanner_without_a_runtime_marks_every_model_with_the_fetch_hint()
    {
        string models = Path.GetDirectoryName(TestModels.TinyModelFolder())!;
        var found = new OnnxModelScanner().Scan(new InferenceOptions { ModelsPath = models, RuntimePath = Path.Combine(models, "nowhere") });
        var entry = Assert.Single(found);
        Assert.Null(entry.Model);
        Assert.Contains("tools/fetch-onnxruntime.sh", entry.Info.Error);
    }

    [Fact]
    public void A_corrupt_onnx_file_fails_with_the_runtime_message()
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory().FullName, "corrupt.onnx");
        File.WriteAllBytes(path, [0x08, 0x07, 0x12, 0xFF, 0xFF, 0x01, 0x42, 0x13, 0x37]);
        var e = Assert.Throws<OrtException>(() => OnnxSession.Open(TestModels.Runtime, path, new SessionSettings()));
        Assert.True(e.Code is OrtErrorCode.InvalidProtobuf or OrtErrorCode.Fail or OrtErrorCode.InvalidGraph, e.Message);
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
        var e = Assert.Throws<OrtException>(() => OnnxSession.Open(TestModels.Runtime, TestModels.Fixture("unsupported-op.onnx"), new SessionSettings()));
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
