using Microsoft.ML.OnnxRuntime;

namespace ConstitutionHub.Inference.Runtime;

/// <summary>
/// The process-wide ONNX Runtime environment of Microsoft.ML.OnnxRuntime.Managed. The native library comes from the one
/// native package the build references; if it is absent (a build that references only the managed package), the
/// first use is a clear <c>runtime_missing</c> error instead of a <see cref="DllNotFoundException"/>.
/// </summary>
internal static class OrtRuntime
{
    private static readonly Lazy<(OrtEnv? Env, string? Error)> Environment = new(Start);

    public static OrtEnv Env => Environment.Value.Env ?? throw new InferenceException("runtime_missing", Environment.Value.Error!);

    /// <summary>The native library's version, e.g. "1.31.0".</summary>
    public static string Version => Env.GetVersionString();

    public static IReadOnlyList<string> AvailableProviders() => Env.GetAvailableProviders();

    private static (OrtEnv?, string?) Start()
    {
        try
        {
            return (OrtEnv.Instance(), null);
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or EntryPointNotFoundException)
        {
            return (null, "The ONNX Runtime native library (libonnxruntime.so) is not next to the app: build with one native " +
                          "package, Microsoft.ML.OnnxRuntime.Gpu.Linux (the default) or Microsoft.ML.OnnxRuntime " +
                          $"(-p:OnnxRuntimePackage=cpu). {e.GetBaseException().Message}");
        }
    }
}
