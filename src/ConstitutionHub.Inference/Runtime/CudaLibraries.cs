using System.Runtime.InteropServices;

namespace ConstitutionHub.Inference.Runtime;

/// <summary>
/// What the CUDA execution provider of Microsoft.ML.OnnxRuntime.Gpu.Linux 1.31 needs from the host, checked before the
/// provider is appended: the runtime itself would only say "Failed to load shared library" (and print the missing name
/// to stderr). Each library is looked up the way the provider will look it up (the dynamic loader: LD_LIBRARY_PATH,
/// the ld.so cache, the app folder).
/// </summary>
internal static class CudaLibraries
{
    /// <summary>Shared libraries by the package that provides them.</summary>
    public static readonly IReadOnlyList<(string File, string From)> Required =
    [
        ("libcuda.so.1", "the NVIDIA driver, one that supports CUDA 13"),
        ("libcudart.so.13", "the CUDA 13 runtime"),
        ("libcublas.so.13", "CUDA 13 cuBLAS"),
        ("libcublasLt.so.13", "CUDA 13 cuBLAS"),
        ("libcurand.so.10", "CUDA 13 cuRAND"),
        ("libcudnn.so.9", "cuDNN 9 for CUDA 13"),
    ];

    public const string Needs =
        "ONNX Runtime 1.31's CUDA provider needs an NVIDIA driver that supports CUDA 13, the CUDA 13 runtime libraries " +
        "(cudart, cuBLAS, cuRAND) and cuDNN 9 for CUDA 13 on the library path";

    /// <summary>The required libraries the dynamic loader cannot find here, with what provides them.</summary>
    public static IReadOnlyList<(string File, string From)> Missing(Func<string, bool>? canLoad = null)
    {
        canLoad ??= TryLoad;
        return Required.Where(r => !canLoad(r.File)).ToList();
    }

    private static bool TryLoad(string file)
    {
        if (!NativeLibrary.TryLoad(file, out var handle)) return false;
        NativeLibrary.Free(handle);
        return true;
    }

    /// <summary>"libcudart.so.13 (the CUDA 13 runtime), libcudnn.so.9 (cuDNN 9 for CUDA 13)".</summary>
    public static string Describe(IEnumerable<(string File, string From)> libraries) =>
        string.Join(", ", libraries.Select(l => $"{l.File} ({l.From})"));
}
