namespace ConstitutionHub.Inference.Native;

/// <summary>
/// Chooses where sessions run. CUDA needs two provider libraries beside libonnxruntime.so.1 (the npm package ships
/// only the CPU build); without them a CUDA request fails with a message naming both files and the folder, or runs on
/// the CPU when <see cref="InferenceOptions.AllowCpuFallback"/> is set.
/// </summary>
internal static class ExecutionProviders
{
    public const string Cpu = "cpu";
    public const string Cuda = "cuda";

    /// <summary>The provider to use ("cpu" or "cuda") and, after a fallback, why the CPU was chosen.</summary>
    public static (string Provider, string? FallbackReason) Select(InferenceOptions options, string runtimeLibraryPath)
    {
        string requested = (options.ExecutionProvider ?? Cpu).Trim().ToLowerInvariant();
        if (requested is "" or Cpu) return (Cpu, null);
        if (requested != Cuda)
        {
            throw new InferenceException("invalid_request",
                $"Inference:ExecutionProvider must be \"cpu\" or \"cuda\", not \"{options.ExecutionProvider}\".", "Inference:ExecutionProvider");
        }
        string folder = Path.GetDirectoryName(Path.GetFullPath(runtimeLibraryPath)) ?? ".";
        var missing = new[] { OrtLibrary.CudaProviderFileName, OrtLibrary.SharedProviderFileName }
            .Where(f => !File.Exists(Path.Combine(folder, f)))
            .ToList();
        if (missing.Count == 0) return (Cuda, null);
        string reason = $"the CUDA execution provider needs {OrtLibrary.CudaProviderFileName} and {OrtLibrary.SharedProviderFileName} " +
                        $"beside {OrtLibrary.FileName} in {folder}; missing: {string.Join(", ", missing)}";
        if (options.AllowCpuFallback) return (Cpu, reason);
        throw new InferenceException("runtime_missing",
            $"Cannot use CUDA: {reason}. Copy them from an ONNX Runtime 1.30.0 GPU build (onnxruntime-gpu), or set " +
            "Inference:ExecutionProvider to \"cpu\" or Inference:AllowCpuFallback to true.", "Inference:ExecutionProvider");
    }
}
