using System.Runtime.InteropServices;

namespace ConstitutionHub.Inference.Native;

/// <summary>
/// Finds libonnxruntime.so.1. Order: the configured runtime path (the file, or a folder holding it), then
/// <c>.cache/onnxruntime/</c> of the repository (the folder above the app that holds ConstitutionHub.sln) or of the
/// app's base folder, then the app's folder itself. A missing library is an error that names every path tried and the
/// command that fetches it.
/// </summary>
internal static class OrtLibrary
{
    public const string FileName = "libonnxruntime.so.1";
    public const string CudaProviderFileName = "libonnxruntime_providers_cuda.so";
    public const string SharedProviderFileName = "libonnxruntime_providers_shared.so";

    /// <summary>The paths tried, in order, for a configured runtime path (or null for the defaults).</summary>
    public static IReadOnlyList<string> Candidates(string? runtimePath)
    {
        if (!string.IsNullOrWhiteSpace(runtimePath))
        {
            string full = Path.GetFullPath(runtimePath);
            return [Directory.Exists(full) ? Path.Combine(full, FileName) : full];
        }
        var result = new List<string>();
        string appBase = AppContext.BaseDirectory;
        if (FindRepoRoot(appBase) is { } repo)
        {
            result.Add(Path.Combine(repo, ".cache", "onnxruntime", FileName));
        }
        result.Add(Path.Combine(appBase, ".cache", "onnxruntime", FileName));
        result.Add(Path.Combine(appBase, FileName));
        return result.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>Loads the first candidate that exists; throws runtime_missing naming all of them otherwise.</summary>
    public static (nint Handle, string Path) Load(string? runtimePath)
    {
        var candidates = Candidates(runtimePath);
        foreach (string path in candidates)
        {
            if (!File.Exists(path)) continue;
            try
            {
                return (NativeLibrary.Load(path), path);
            }
            catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
            {
                throw new InferenceException("runtime_missing",
                    $"The ONNX Runtime library at {path} could not be loaded ({e.Message}). Replace it with tools/fetch-onnxruntime.sh " +
                    "(or set Inference:RuntimePath to a working libonnxruntime.so.1).", "Inference:RuntimePath", e);
            }
        }
        throw new InferenceException("runtime_missing",
            $"The ONNX Runtime library was not found; tried {string.Join(", ", candidates)}. Fetch it with tools/fetch-onnxruntime.sh " +
            "(./hub run does this), or set Inference:RuntimePath to libonnxruntime.so.1 or the folder holding it.",
            "Inference:RuntimePath");
    }

    private static string? FindRepoRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ConstitutionHub.sln"))) return dir.FullName;
        }
        return null;
    }
}
