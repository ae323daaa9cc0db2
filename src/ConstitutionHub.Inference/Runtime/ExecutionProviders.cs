using Microsoft.ML.OnnxRuntime;

namespace ConstitutionHub.Inference.Runtime;

/// <summary>
/// Chooses where sessions run and appends the provider. "cpu" always works. "cuda" needs the GPU native package (the
/// default build) and CUDA 13 with cuDNN 9 on the host; when something is missing the model is unavailable with a
/// message naming the libraries and versions, or runs on the CPU when <see cref="InferenceOptions.AllowCpuFallback"/> is
/// set (its catalog entry then says "cpu" and why).
/// </summary>
internal static class ExecutionProviders
{
    public const string Cpu = "cpu";
    public const string Cuda = "cuda";
    public const string CudaProviderName = "CUDAExecutionProvider";

    /// <summary>"cpu" or "cuda" from the setting; anything else is a configuration error naming the setting.</summary>
    public static string Requested(string? setting)
    {
        string requested = (setting ?? Cpu).Trim().ToLowerInvariant();
        if (requested is "" or Cpu) return Cpu;
        if (requested == Cuda) return Cuda;
        throw new InferenceException("invalid_request",
            $"Inference:ExecutionProvider must be \"cpu\" or \"cuda\", not \"{setting}\".", "Inference:ExecutionProvider");
    }

    /// <summary>
    /// Why CUDA cannot be used here, or null when everything it needs is present. <paramref name="availableProviders"/>
    /// and <paramref name="canLoad"/> default to the real runtime and loader (tests pass their own).
    /// </summary>
    public static string? CudaUnavailableReason(IReadOnlyCollection<string>? availableProviders = null, Func<string, bool>? canLoad = null)
    {
        availableProviders ??= OrtRuntime.AvailableProviders();
        if (!availableProviders.Contains(CudaProviderName))
        {
            return "this build ships the CPU-only ONNX Runtime (built with -p:OnnxRuntimePackage=cpu); build without that " +
                   "property to get Microsoft.ML.OnnxRuntime.Gpu.Linux, which has the CUDA provider";
        }
        var missing = CudaLibraries.Missing(canLoad);
        if (missing.Count == 0) return null;
        return $"{CudaLibraries.Needs}; missing here: {CudaLibraries.Describe(missing)}";
    }

    /// <summary>
    /// Appends the provider <paramref name="settings"/> asks for and returns where the session will run, with the
    /// reason when a CUDA request falls back to the CPU.
    /// </summary>
    public static (string Provider, string? FallbackReason) Append(SessionOptions options, SessionSettings settings)
    {
        if (Requested(settings.ExecutionProvider) == Cpu) return (Cpu, null);
        string? reason = CudaUnavailableReason();
        if (reason is null)
        {
            try
            {
                using var cuda = new OrtCUDAProviderOptions();
                cuda.UpdateOptions(new Dictionary<string, string>
                {
                    ["device_id"] = settings.CudaDeviceId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                });
                options.AppendExecutionProvider_CUDA(cuda);
                return (Cuda, null);
            }
            catch (OnnxRuntimeException e)
            {
                // The libraries are there but CUDA itself is not usable (no device, a driver too old for CUDA 13).
                reason = $"the CUDA provider failed to start on device {settings.CudaDeviceId}: {e.Message}";
            }
        }
        if (settings.AllowCpuFallback) return (Cpu, reason);
        throw new InferenceException("runtime_missing",
            $"Cannot use CUDA: {reason}. Set Inference:ExecutionProvider to \"cpu\", or Inference:AllowCpuFallback to true to run on the CPU instead.",
            "Inference:ExecutionProvider");
    }
}
