namespace ConstitutionHub.Inference.Native;

/// <summary>How a session is built: threads, the execution provider and whether it may fall back to the CPU.</summary>
internal sealed record SessionSettings(
    string ExecutionProvider = ExecutionProviders.Cpu,
    bool AllowCpuFallback = false,
    int CudaDeviceId = 0,
    int IntraOpThreads = 0,
    int InterOpThreads = 1)
{
    public static SessionSettings From(InferenceOptions options) =>
        new(options.ExecutionProvider, options.AllowCpuFallback, options.CudaDeviceId, options.IntraOpThreads);
}

/// <summary>One input or output of a graph: its name (pre-encoded for binding) and type.</summary>
internal sealed record GraphIo(string Name, TensorMetadata Metadata)
{
    public NativeName Native { get; } = new(Name);
}

/// <summary>
/// An ONNX Runtime session over a model file, with its inputs and outputs read once. Run is thread-safe in the
/// runtime, so one session serves every generation of a model, each with its own IoBinding.
/// </summary>
internal sealed class OnnxSession : IDisposable
{
    private OnnxSession(OrtRuntime runtime, OrtSessionHandle handle, string provider, string? fallbackReason, OrtMemoryInfoHandle deviceMemory)
    {
        Runtime = runtime;
        Handle = handle;
        ExecutionProvider = provider;
        FallbackReason = fallbackReason;
        DeviceMemory = deviceMemory;
        Inputs = Enumerable.Range(0, runtime.InputCount(handle)).Select(i => new GraphIo(runtime.IoName(handle, i, true), runtime.IoMetadata(handle, i, true))).ToList();
        Outputs = Enumerable.Range(0, runtime.OutputCount(handle)).Select(i => new GraphIo(runtime.IoName(handle, i, false), runtime.IoMetadata(handle, i, false))).ToList();
    }

    public OrtRuntime Runtime { get; }
    public OrtSessionHandle Handle { get; }

    /// <summary>"cpu" or "cuda": where the session actually runs.</summary>
    public string ExecutionProvider { get; }

    /// <summary>Why a CUDA request runs on the CPU, when it does.</summary>
    public string? FallbackReason { get; }

    /// <summary>Where outputs that feed the next step (the KV cache) are left: the CPU, or the CUDA device.</summary>
    public OrtMemoryInfoHandle DeviceMemory { get; }

    public IReadOnlyList<GraphIo> Inputs { get; }
    public IReadOnlyList<GraphIo> Outputs { get; }

    /// <param name="modelBytes">The model itself, when it was rewritten in memory; <paramref name="modelPath"/> then only names it.</param>
    public static OnnxSession Open(OrtRuntime runtime, string modelPath, SessionSettings settings, byte[]? modelBytes = null)
    {
        var options = new InferenceOptions
        {
            ExecutionProvider = settings.ExecutionProvider,
            AllowCpuFallback = settings.AllowCpuFallback,
        };
        var (provider, fallbackReason) = ExecutionProviders.Select(options, runtime.LibraryPath);
        using var sessionOptions = runtime.CreateSessionOptions();
        runtime.SetGraphOptimizationLevel(sessionOptions, 99); // ORT_ENABLE_ALL
        runtime.EnableMemPattern(sessionOptions, true);
        runtime.EnableCpuMemArena(sessionOptions);
        if (settings.IntraOpThreads > 0) runtime.SetIntraOpThreads(sessionOptions, settings.IntraOpThreads);
        runtime.SetInterOpThreads(sessionOptions, Math.Max(1, settings.InterOpThreads));
        if (provider == ExecutionProviders.Cuda)
        {
            try
            {
                runtime.AppendCudaProvider(sessionOptions, settings.CudaDeviceId);
            }
            catch (OrtException e) when (settings.AllowCpuFallback)
            {
                // The libraries are there but CUDA itself is not usable (no driver, no device): same rule as missing files.
                provider = ExecutionProviders.Cpu;
                fallbackReason = $"the CUDA execution provider failed to start: {e.RuntimeMessage}";
            }
            catch (OrtException e)
            {
                throw new InferenceException("runtime_missing", $"Cannot use CUDA device {settings.CudaDeviceId}: {e.RuntimeMessage}", "Inference:ExecutionProvider", e);
            }
        }
        var handle = modelBytes is null ? runtime.CreateSession(modelPath, sessionOptions) : runtime.CreateSession(modelBytes, sessionOptions);
        var deviceMemory = provider == ExecutionProviders.Cuda ? runtime.CreateMemoryInfo("Cuda", settings.CudaDeviceId) : runtime.CreateCpuMemoryInfo();
        try
        {
            return new OnnxSession(runtime, handle, provider, fallbackReason, deviceMemory);
        }
        catch
        {
            handle.Dispose();
            deviceMemory.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Handle.Dispose();
        DeviceMemory.Dispose();
    }
}
