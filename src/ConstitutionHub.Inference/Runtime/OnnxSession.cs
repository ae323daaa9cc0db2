using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace ConstitutionHub.Inference.Runtime;

/// <summary>How a session is built: threads, the execution provider and whether it may fall back to the CPU.</summary>
internal sealed record SessionSettings(
    string ExecutionProvider = ExecutionProviders.Cpu,
    bool AllowCpuFallback = false,
    int CudaDeviceId = 0,
    int IntraOpThreads = 0,
    int InterOpThreads = 1,
    int MaxBatch = 8)
{
    public static SessionSettings From(InferenceOptions options) =>
        new(options.ExecutionProvider, options.AllowCpuFallback, options.CudaDeviceId, options.IntraOpThreads, MaxBatch: options.ConcurrentGenerationsPerModel);
}

/// <summary>One input or output of a graph: its name, element type and shape (-1 for a symbolic dimension).</summary>
internal sealed record GraphIo(string Name, TensorElementType ElementType, long[] Dimensions);

/// <summary>
/// An ONNX Runtime session over a model, with its inputs and outputs read once. Run is thread-safe in the runtime, so
/// one session serves every generation of a model, each with its own IoBinding.
/// </summary>
internal sealed class OnnxSession : IDisposable
{
    private OnnxSession(InferenceSession session, string provider, string? fallbackReason, OrtMemoryInfo deviceMemory)
    {
        Session = session;
        ExecutionProvider = provider;
        FallbackReason = fallbackReason;
        DeviceMemory = deviceMemory;
        Inputs = session.InputMetadata.Select(kv => Io(kv.Key, kv.Value)).ToList();
        Outputs = session.OutputMetadata.Select(kv => Io(kv.Key, kv.Value)).ToList();
    }

    public InferenceSession Session { get; }

    /// <summary>"cpu" or "cuda": where the session actually runs.</summary>
    public string ExecutionProvider { get; }

    /// <summary>Why a CUDA request runs on the CPU, when it does.</summary>
    public string? FallbackReason { get; }

    /// <summary>Where outputs that feed the next step (the KV cache) are left: CPU memory, or the CUDA device.</summary>
    public OrtMemoryInfo DeviceMemory { get; }

    public bool OnDevice => ExecutionProvider == ExecutionProviders.Cuda;

    public IReadOnlyList<GraphIo> Inputs { get; }
    public IReadOnlyList<GraphIo> Outputs { get; }

    /// <param name="modelBytes">The model itself, when it was rewritten in memory; <paramref name="modelPath"/> then only names it.</param>
    /// <exception cref="OnnxRuntimeException">The runtime refused the model (its message names the file and the problem).</exception>
    public static OnnxSession Open(string modelPath, SessionSettings settings, byte[]? modelBytes = null)
    {
        _ = OrtRuntime.Env; // runtime_missing before anything else when the native library is absent
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            EnableMemoryPattern = true,
            EnableCpuMemArena = true,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            InterOpNumThreads = Math.Max(1, settings.InterOpThreads),
            LogId = Path.GetFileName(modelPath),
        };
        if (settings.IntraOpThreads > 0) options.IntraOpNumThreads = settings.IntraOpThreads;
        var (provider, fallbackReason) = ExecutionProviders.Append(options, settings);
        var session = modelBytes is null ? new InferenceSession(modelPath, options) : new InferenceSession(modelBytes, options);
        var memory = provider == ExecutionProviders.Cuda
            ? new OrtMemoryInfo(OrtMemoryInfo.allocatorCUDA, OrtAllocatorType.DeviceAllocator, settings.CudaDeviceId, OrtMemType.Default)
            : OrtMemoryInfo.DefaultInstance;
        try
        {
            return new OnnxSession(session, provider, fallbackReason, memory);
        }
        catch
        {
            session.Dispose();
            if (!ReferenceEquals(memory, OrtMemoryInfo.DefaultInstance)) memory.Dispose();
            throw;
        }
    }

    private static GraphIo Io(string name, NodeMetadata meta) =>
        new(name, meta.IsTensor ? meta.ElementDataType : TensorElementType.DataTypeMax, meta.IsTensor ? meta.Dimensions.Select(d => (long)d).ToArray() : []);

    public void Dispose()
    {
        Session.Dispose();
        if (!ReferenceEquals(DeviceMemory, OrtMemoryInfo.DefaultInstance)) DeviceMemory.Dispose();
    }
}
