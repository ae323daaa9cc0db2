using ConstitutionHub.Inference.Generation;
using ConstitutionHub.Inference.Runtime;
using ConstitutionHub.Inference.Tests.Generation;
using Microsoft.ML.OnnxRuntime;

namespace ConstitutionHub.Inference.Tests.Runtime;

/// <summary>
/// The choice of provider and its messages. Where CUDA is absent (our build machines) the real runtime and loader give
/// the "missing" answers; the "present" answers come from a loader the test controls. CUDA itself runs in
/// <see cref="CudaSmokeTests"/>, on a machine that has it.
/// </summary>
public sealed class ProviderSelectionTests
{
    private static readonly string[] WithCuda = ["CUDAExecutionProvider", "CPUExecutionProvider"];

    [Fact]
    public void Cpu_is_the_default()
    {
        using var options = new SessionOptions();
        Assert.Equal(("cpu", (string?)null), ExecutionProviders.Append(options, new SessionSettings()));
    }

    [Fact]
    public void Missing_cuda_libraries_are_named_with_the_versions_needed()
    {
        var reason = ExecutionProviders.CudaUnavailableReason(WithCuda, file => file is "libcuda.so.1" or "libcublas.so.13");
        Assert.NotNull(reason);
        Assert.Contains("CUDA 13", reason);
        Assert.Contains("cuDNN 9", reason);
        Assert.Contains("libcudart.so.13 (the CUDA 13 runtime)", reason);
        Assert.Contains("libcudnn.so.9 (cuDNN 9 for CUDA 13)", reason);
        Assert.Contains("libcublasLt.so.13", reason);
        Assert.DoesNotContain("libcuda.so.1 (", reason);
        Assert.DoesNotContain("libcublas.so.13 (", reason);

        Assert.Null(ExecutionProviders.CudaUnavailableReason(WithCuda, _ => true));
    }

    [Fact]
    public void A_cpu_only_build_says_how_to_get_the_cuda_provider()
    {
        var reason = ExecutionProviders.CudaUnavailableReason(["CPUExecutionProvider"], _ => true);
        Assert.Contains("OnnxRuntimePackage=cpu", reason);
        Assert.Contains("Microsoft.ML.OnnxRuntime.Gpu.Linux", reason);
    }

    [Fact]
    public void Cuda_without_fallback_leaves_the_model_unavailable_with_the_reason()
    {
        Assert.SkipWhen(ExecutionProviders.CudaUnavailableReason() is null, "CUDA is usable on this machine; CudaSmokeTests covers it");
        var entry = new OnnxModelScanner().Load(TestModels.TinyModelFolder(), new InferenceOptions { ExecutionProvider = "cuda" });
        Assert.Null(entry.Model);
        Assert.Contains("Cannot use CUDA", entry.Info.Error);
        Assert.Contains("AllowCpuFallback", entry.Info.Error);
    }

    [Fact]
    public void Cuda_with_fallback_allowed_runs_on_the_cpu_and_the_catalog_says_so()
    {
        Assert.SkipWhen(ExecutionProviders.CudaUnavailableReason() is null, "CUDA is usable on this machine; CudaSmokeTests covers it");
        using var options = new SessionOptions();
        var (provider, reason) = ExecutionProviders.Append(options, new SessionSettings(ExecutionProviders.Cuda, AllowCpuFallback: true));
        Assert.Equal("cpu", provider);
        Assert.Contains("CUDA", reason);

        var entry = new OnnxModelScanner().Load(TestModels.TinyModelFolder(), new InferenceOptions { ExecutionProvider = "cuda", AllowCpuFallback = true });
        Assert.Null(entry.Info.Error);
        Assert.Equal("cpu", entry.Info.ExecutionProvider);
        (entry.Model as IDisposable)?.Dispose();
    }

    [Fact]
    public void An_unknown_provider_is_a_configuration_error()
    {
        var e = Assert.Throws<InferenceException>(() => ExecutionProviders.Requested("tpu"));
        Assert.Equal("Inference:ExecutionProvider", e.Field);
        Assert.Equal("cuda", ExecutionProviders.Requested(" CUDA "));
    }
}
