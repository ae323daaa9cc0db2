using ConstitutionHub.Inference.Generation;
using ConstitutionHub.Inference.Native;
using ConstitutionHub.Inference.Tests.Generation;

namespace ConstitutionHub.Inference.Tests.Native;

/// <summary>There is no GPU here: these tests cover the choice of provider and its messages, not CUDA itself.</summary>
public sealed class ProviderSelectionTests
{
    [Fact]
    public void Cpu_is_the_default()
    {
        Assert.Equal(("cpu", (string?)null), ExecutionProviders.Select(new InferenceOptions(), TestModels.Runtime.LibraryPath));
    }

    [Fact]
    public void Cuda_without_its_libraries_names_both_files_and_the_folder()
    {
        string lib = TestModels.Runtime.LibraryPath;
        var e = Assert.Throws<InferenceException>(() => ExecutionProviders.Select(new InferenceOptions { ExecutionProvider = "cuda" }, lib));
        Assert.Equal("runtime_missing", e.Code);
        Assert.Contains("libonnxruntime_providers_cuda.so", e.Message);
        Assert.Contains("libonnxruntime_providers_shared.so", e.Message);
        Assert.Contains(Path.GetDirectoryName(lib)!, e.Message);
        Assert.Contains("AllowCpuFallback", e.Message);
    }

    [Fact]
    public void Cuda_with_fallback_allowed_runs_on_the_cpu_and_the_catalog_says_so()
    {
        var (provider, reason) = ExecutionProviders.Select(new InferenceOptions { ExecutionProvider = "cuda", AllowCpuFallback = true }, TestModels.Runtime.LibraryPath);
        Assert.Equal("cpu", provider);
        Assert.Contains("libonnxruntime_providers_cuda.so", reason);

        string folder = TestModels.TinyModelFolder();
        var entry = new OnnxModelScanner().Load(folder, new InferenceOptions { ExecutionProvider = "cuda", AllowCpuFallback = true });
        Assert.Null(entry.Info.Error);
        Assert.Equal("cpu", entry.Info.ExecutionProvider);
        (entry.Model as IDisposable)?.Dispose();
    }

    [Fact]
    public void Cuda_without_fallback_leaves_the_model_unavailable_with_the_reason()
    {
        var entry = new OnnxModelScanner().Load(TestModels.TinyModelFolder(), new InferenceOptions { ExecutionProvider = "cuda" });
        Assert.Null(entry.Model);
        Assert.Contains("libonnxruntime_providers_cuda.so", entry.Info.Error);
    }

    [Fact]
    public void Cuda_is_chosen_when_both_provider_libraries_sit_beside_the_runtime()
    {
        // Empty stand-ins: selection only looks for the files; loading them needs a GPU machine.
        string dir = Directory.CreateTempSubdirectory().FullName;
        File.WriteAllText(Path.Combine(dir, "libonnxruntime_providers_cuda.so"), "");
        File.WriteAllText(Path.Combine(dir, "libonnxruntime_providers_shared.so"), "");
        Assert.Equal(("cuda", (string?)null), ExecutionProviders.Select(new InferenceOptions { ExecutionProvider = "CUDA" }, Path.Combine(dir, "libonnxruntime.so.1")));

        File.Delete(Path.Combine(dir, "libonnxruntime_providers_shared.so"));
        var e = Assert.Throws<InferenceException>(() => ExecutionProviders.Select(new InferenceOptions { ExecutionProvider = "cuda" }, Path.Combine(dir, "libonnxruntime.so.1")));
        Assert.Contains("missing: libonnxruntime_providers_shared.so", e.Message);
    }

    [Fact]
    public void An_unknown_provider_is_a_configuration_error()
    {
        var e = Assert.Throws<InferenceException>(() => ExecutionProviders.Select(new InferenceOptions { ExecutionProvider = "tpu" }, "/x/libonnxruntime.so.1"));
        Assert.Equal("Inference:ExecutionProvider", e.Field);
    }
}
