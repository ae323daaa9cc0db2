using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace ConstitutionHub.Inference.Native;

/// <summary>ONNXTensorElementDataType values we meet in decoder graphs.</summary>
public enum TensorElementType
{
    Undefined = 0,
    Float = 1,
    UInt8 = 2,
    Int8 = 3,
    Int32 = 6,
    Int64 = 7,
    Bool = 9,
    Float16 = 10,
    Double = 11,
}

/// <summary>
/// The loaded ONNX Runtime library and its OrtApi function table. The table is read as an array of function
/// pointers (see <see cref="OrtApiIndex"/>) and each call goes through a <c>delegate* unmanaged</c> cast at the
/// index of that function. One runtime and one OrtEnv per process: the library keeps global state and refuses a
/// second environment with other settings.
/// </summary>
internal sealed unsafe class OrtRuntime
{
    private static readonly Lock LoadLock = new();
    private static OrtRuntime? _loaded;

    private readonly nint* _api;
    private readonly OrtEnvHandle _env;

    private OrtRuntime(string path, nint* api, string version)
    {
        LibraryPath = path;
        _api = api;
        Version = version;
        nint env;
        fixed (byte* logId = "constitutionhub"u8)
        {
            // Logging level 3 = ORT_LOGGING_LEVEL_ERROR: warnings about unused initializers and the like stay quiet.
            Check(((delegate* unmanaged<int, byte*, nint*, nint>)_api[OrtApiIndex.CreateEnv])(3, logId, &env));
        }
        _env = new OrtEnvHandle(this, env);
        CpuMemory = CreateCpuMemoryInfo();
    }

    public string LibraryPath { get; }

    /// <summary>The runtime's version string, e.g. "1.30.0".</summary>
    public string Version { get; }

    public OrtEnvHandle Env => _env;

    /// <summary>Memory info of plain CPU memory (arena allocator, default memory type).</summary>
    public OrtMemoryInfoHandle CpuMemory { get; }

    /// <summary>
    /// The runtime for the configured path (see <see cref="OrtLibrary"/>). Loading a second, different library in the
    /// same process is refused: the first one stays in use.
    /// </summary>
    public static OrtRuntime Load(string? runtimePath)
    {
        lock (LoadLock)
        {
            var candidates = OrtLibrary.Candidates(runtimePath);
            if (_loaded is { } loaded)
            {
                if (string.IsNullOrWhiteSpace(runtimePath) || candidates.Contains(loaded.LibraryPath)) return loaded;
                if (!candidates.Any(File.Exists)) OrtLibrary.Load(runtimePath); // throws runtime_missing naming the paths
                throw new InferenceException("runtime_missing",
                    $"ONNX Runtime is already loaded from {loaded.LibraryPath}; one process cannot use a second copy from {candidates[0]}.",
                    "Inference:RuntimePath");
            }
            var (handle, path) = OrtLibrary.Load(runtimePath);
            if (!NativeLibrary.TryGetExport(handle, "OrtGetApiBase", out nint getApiBase))
            {
                throw new InferenceException("runtime_missing", $"{path} is not an ONNX Runtime library (no OrtGetApiBase export).", "Inference:RuntimePath");
            }
            // OrtApiBase { const OrtApi* (*GetApi)(uint32_t version); const char* (*GetVersionString)(void); }
            nint* apiBase = ((delegate* unmanaged<nint*>)getApiBase)();
            string version = Marshal.PtrToStringUTF8(((delegate* unmanaged<nint>)apiBase[1])()) ?? "?";
            nint* api = ((delegate* unmanaged<uint, nint*>)apiBase[0])(OrtApiIndex.ApiVersion);
            if (api is null)
            {
                throw new InferenceException("runtime_missing",
                    $"ONNX Runtime {version} at {path} does not serve API version {OrtApiIndex.ApiVersion}; fetch 1.30.0 with tools/fetch-onnxruntime.sh.",
                    "Inference:RuntimePath");
            }
            _loaded = new OrtRuntime(path, api, version);
            return _loaded;
        }
    }

    public nint Function(int index) => _api[index];

    // ---- status -------------------------------------------------------------------------------------------------

    /// <summary>Turns a non-null OrtStatus* into an exception and always releases the status.</summary>
    public void Check(nint status)
    {
        if (status != 0) throw TakeError(status);
    }

    public OrtException TakeError(nint status)
    {
        try
        {
            // OrtErrorCode GetErrorCode(const OrtStatus*); const char* GetErrorMessage(const OrtStatus*)
            int code = ((delegate* unmanaged<nint, int>)_api[OrtApiIndex.GetErrorCode])(status);
            string message = Marshal.PtrToStringUTF8(((delegate* unmanaged<nint, nint>)_api[OrtApiIndex.GetErrorMessage])(status)) ?? "";
            return new OrtException((OrtErrorCode)code, message);
        }
        finally
        {
            ((delegate* unmanaged<nint, void>)_api[OrtApiIndex.ReleaseStatus])(status);
        }
    }

    /// <summary>OrtStatus* CreateStatus(OrtErrorCode code, const char* msg): used by tests of the error path.</summary>
    public nint CreateStatus(OrtErrorCode code, string message)
    {
        fixed (byte* m = Utf8Z(message))
        {
            return ((delegate* unmanaged<int, byte*, nint>)_api[OrtApiIndex.CreateStatus])((int)code, m);
        }
    }

    // ---- session options ------------------------------------------------------------------------------------------

    public OrtSessionOptionsHandle CreateSessionOptions()
    {
        nint options;
        Check(((delegate* unmanaged<nint*, nint>)_api[OrtApiIndex.CreateSessionOptions])(&options));
        return new OrtSessionOptionsHandle(this, options);
    }

    public void SetIntraOpThreads(OrtSessionOptionsHandle options, int threads) =>
        Check(((delegate* unmanaged<nint, int, nint>)_api[OrtApiIndex.SetIntraOpNumThreads])(options.Ptr, threads));

    public void SetInterOpThreads(OrtSessionOptionsHandle options, int threads) =>
        Check(((delegate* unmanaged<nint, int, nint>)_api[OrtApiIndex.SetInterOpNumThreads])(options.Ptr, threads));

    /// <summary>GraphOptimizationLevel: 0 none, 1 basic, 2 extended, 99 all.</summary>
    public void SetGraphOptimizationLevel(OrtSessionOptionsHandle options, int level) =>
        Check(((delegate* unmanaged<nint, int, nint>)_api[OrtApiIndex.SetSessionGraphOptimizationLevel])(options.Ptr, level));

    public void EnableMemPattern(OrtSessionOptionsHandle options, bool enable) =>
        Check(((delegate* unmanaged<nint, nint>)_api[enable ? OrtApiIndex.EnableMemPattern : OrtApiIndex.DisableMemPattern])(options.Ptr));

    public void EnableCpuMemArena(OrtSessionOptionsHandle options) =>
        Check(((delegate* unmanaged<nint, nint>)_api[OrtApiIndex.EnableCpuMemArena])(options.Ptr));

    public void AddSessionConfigEntry(OrtSessionOptionsHandle options, string key, string value)
    {
        fixed (byte* k = Utf8Z(key))
        fixed (byte* v = Utf8Z(value))
        {
            Check(((delegate* unmanaged<nint, byte*, byte*, nint>)_api[OrtApiIndex.AddSessionConfigEntry])(options.Ptr, k, v));
        }
    }

    /// <summary>CreateCUDAProviderOptions, UpdateCUDAProviderOptions (device_id), SessionOptionsAppendExecutionProvider_CUDA_V2.</summary>
    public void AppendCudaProvider(OrtSessionOptionsHandle options, int deviceId)
    {
        nint raw;
        Check(((delegate* unmanaged<nint*, nint>)_api[OrtApiIndex.CreateCUDAProviderOptions])(&raw));
        using var cuda = new OrtCudaOptionsHandle(this, raw);
        fixed (byte* key = Utf8Z("device_id"))
        fixed (byte* value = Utf8Z(deviceId.ToString(System.Globalization.CultureInfo.InvariantCulture)))
        {
            byte** keys = stackalloc byte*[1] { key };
            byte** values = stackalloc byte*[1] { value };
            Check(((delegate* unmanaged<nint, byte**, byte**, nuint, nint>)_api[OrtApiIndex.UpdateCUDAProviderOptions])(cuda.Ptr, keys, values, 1));
        }
        Check(((delegate* unmanaged<nint, nint, nint>)_api[OrtApiIndex.SessionOptionsAppendExecutionProvider_CUDA_V2])(options.Ptr, cuda.Ptr));
    }

    /// <summary>Execution providers compiled into the loaded library (CPUExecutionProvider, CUDAExecutionProvider...).</summary>
    public IReadOnlyList<string> AvailableProviders()
    {
        nint names;
        int count;
        Check(((delegate* unmanaged<nint*, int*, nint>)_api[OrtApiIndex.GetAvailableProviders])(&names, &count));
        try
        {
            var result = new List<string>(count);
            for (int i = 0; i < count; i++) result.Add(Marshal.PtrToStringUTF8(((nint*)names)[i]) ?? "");
            return result;
        }
        finally
        {
            Check(((delegate* unmanaged<nint, int, nint>)_api[OrtApiIndex.ReleaseAvailableProviders])(names, count));
        }
    }

    // ---- sessions -------------------------------------------------------------------------------------------------

    public OrtSessionHandle CreateSession(string modelPath, OrtSessionOptionsHandle options)
    {
        nint session;
        fixed (byte* path = Utf8Z(modelPath))
        {
            Check(((delegate* unmanaged<nint, byte*, nint, nint*, nint>)_api[OrtApiIndex.CreateSession])(_env.Ptr, path, options.Ptr, &session));
        }
        return new OrtSessionHandle(this, session);
    }

    /// <summary>A session over model bytes in memory (the runtime copies what it keeps).</summary>
    public OrtSessionHandle CreateSession(ReadOnlySpan<byte> model, OrtSessionOptionsHandle options)
    {
        nint session;
        fixed (byte* data = model)
        {
            Check(((delegate* unmanaged<nint, byte*, nuint, nint, nint*, nint>)_api[OrtApiIndex.CreateSessionFromArray])(_env.Ptr, data, (nuint)model.Length, options.Ptr, &session));
        }
        return new OrtSessionHandle(this, session);
    }

    public int InputCount(OrtSessionHandle session)
    {
        nuint count;
        Check(((delegate* unmanaged<nint, nuint*, nint>)_api[OrtApiIndex.SessionGetInputCount])(session.Ptr, &count));
        return (int)count;
    }

    public int OutputCount(OrtSessionHandle session)
    {
        nuint count;
        Check(((delegate* unmanaged<nint, nuint*, nint>)_api[OrtApiIndex.SessionGetOutputCount])(session.Ptr, &count));
        return (int)count;
    }

    /// <summary>SessionGetInputName / SessionGetOutputName; the name is allocated by the default allocator and freed here.</summary>
    public string IoName(OrtSessionHandle session, int index, bool input)
    {
        nint name;
        Check(((delegate* unmanaged<nint, nuint, nint, nint*, nint>)_api[input ? OrtApiIndex.SessionGetInputName : OrtApiIndex.SessionGetOutputName])(
            session.Ptr, (nuint)index, DefaultAllocator, &name));
        using var owned = new OrtAllocatedHandle(this, name);
        return Marshal.PtrToStringUTF8(owned.Ptr) ?? "";
    }

    /// <summary>Element type and shape (-1 for a symbolic dimension, with its name) of a session input or output.</summary>
    public TensorMetadata IoMetadata(OrtSessionHandle session, int index, bool input)
    {
        nint raw;
        Check(((delegate* unmanaged<nint, nuint, nint*, nint>)_api[input ? OrtApiIndex.SessionGetInputTypeInfo : OrtApiIndex.SessionGetOutputTypeInfo])(
            session.Ptr, (nuint)index, &raw));
        using var typeInfo = new OrtTypeInfoHandle(this, raw);
        int onnxType;
        Check(((delegate* unmanaged<nint, int*, nint>)_api[OrtApiIndex.GetOnnxTypeFromTypeInfo])(typeInfo.Ptr, &onnxType));
        if (onnxType != 1) return new TensorMetadata(TensorElementType.Undefined, [], [], IsTensor: false);
        nint tensorInfo; // owned by typeInfo: not released separately
        Check(((delegate* unmanaged<nint, nint*, nint>)_api[OrtApiIndex.CastTypeInfoToTensorInfo])(typeInfo.Ptr, &tensorInfo));
        return ReadTensorInfo(tensorInfo);
    }

    private TensorMetadata ReadTensorInfo(nint tensorInfo)
    {
        int elementType;
        Check(((delegate* unmanaged<nint, int*, nint>)_api[OrtApiIndex.GetTensorElementType])(tensorInfo, &elementType));
        nuint rank;
        Check(((delegate* unmanaged<nint, nuint*, nint>)_api[OrtApiIndex.GetDimensionsCount])(tensorInfo, &rank));
        var dims = new long[(int)rank];
        var symbolic = new string[(int)rank];
        if (rank > 0)
        {
            fixed (long* d = dims)
            {
                Check(((delegate* unmanaged<nint, long*, nuint, nint>)_api[OrtApiIndex.GetDimensions])(tensorInfo, d, rank));
            }
            var names = new nint[(int)rank];
            fixed (nint* n = names)
            {
                Check(((delegate* unmanaged<nint, nint*, nuint, nint>)_api[OrtApiIndex.GetSymbolicDimensions])(tensorInfo, n, rank));
            }
            for (int i = 0; i < names.Length; i++) symbolic[i] = names[i] == 0 ? "" : Marshal.PtrToStringUTF8(names[i]) ?? "";
        }
        return new TensorMetadata((TensorElementType)elementType, dims, symbolic, IsTensor: true);
    }

    // ---- values ---------------------------------------------------------------------------------------------------

    /// <summary>A tensor over memory we own (pinned for the value's lifetime by the caller): no copy is made.</summary>
    public OrtValueHandle CreateTensor(OrtMemoryInfoHandle memory, void* data, long byteLength, ReadOnlySpan<long> shape, TensorElementType type)
    {
        nint value;
        fixed (long* s = shape)
        {
            Check(((delegate* unmanaged<nint, void*, nuint, long*, nuint, int, nint*, nint>)_api[OrtApiIndex.CreateTensorWithDataAsOrtValue])(
                memory.Ptr, data, (nuint)byteLength, s, (nuint)shape.Length, (int)type, &value));
        }
        return new OrtValueHandle(this, value);
    }

    /// <summary>A tensor whose memory the runtime allocates (used for the empty first-step KV cache).</summary>
    public OrtValueHandle CreateAllocatedTensor(ReadOnlySpan<long> shape, TensorElementType type)
    {
        nint value;
        fixed (long* s = shape)
        {
            Check(((delegate* unmanaged<nint, long*, nuint, int, nint*, nint>)_api[OrtApiIndex.CreateTensorAsOrtValue])(
                DefaultAllocator, s, (nuint)shape.Length, (int)type, &value));
        }
        return new OrtValueHandle(this, value);
    }

    public void* TensorData(OrtValueHandle value)
    {
        void* data;
        Check(((delegate* unmanaged<nint, void**, nint>)_api[OrtApiIndex.GetTensorMutableData])(value.Ptr, &data));
        return data;
    }

    public TensorMetadata ValueMetadata(OrtValueHandle value)
    {
        nint raw;
        Check(((delegate* unmanaged<nint, nint*, nint>)_api[OrtApiIndex.GetTensorTypeAndShape])(value.Ptr, &raw));
        using var info = new OrtTensorInfoHandle(this, raw);
        return ReadTensorInfo(info.Ptr);
    }

    public OrtMemoryInfoHandle CreateCpuMemoryInfo()
    {
        nint info;
        // OrtArenaAllocator = 1, OrtMemTypeDefault = 0
        Check(((delegate* unmanaged<int, int, nint*, nint>)_api[OrtApiIndex.CreateCpuMemoryInfo])(1, 0, &info));
        return new OrtMemoryInfoHandle(this, info);
    }

    /// <summary>Memory info of a device, e.g. ("Cuda", device 0): where IoBinding leaves outputs such as the KV cache.</summary>
    public OrtMemoryInfoHandle CreateMemoryInfo(string name, int deviceId)
    {
        nint info;
        fixed (byte* n = Utf8Z(name))
        {
            Check(((delegate* unmanaged<byte*, int, int, int, nint*, nint>)_api[OrtApiIndex.CreateMemoryInfo])(n, 1, deviceId, 0, &info));
        }
        return new OrtMemoryInfoHandle(this, info);
    }

    public string MemoryInfoName(OrtMemoryInfoHandle info)
    {
        nint name;
        Check(((delegate* unmanaged<nint, nint*, nint>)_api[OrtApiIndex.MemoryInfoGetName])(info.Ptr, &name));
        return Marshal.PtrToStringUTF8(name) ?? "";
    }

    // ---- run options and IoBinding ---------------------------------------------------------------------------------

    public OrtRunOptionsHandle CreateRunOptions()
    {
        nint options;
        Check(((delegate* unmanaged<nint*, nint>)_api[OrtApiIndex.CreateRunOptions])(&options));
        return new OrtRunOptionsHandle(this, options);
    }

    /// <summary>Asks a running Run to stop at the next operator boundary (cancellation).</summary>
    public void Terminate(OrtRunOptionsHandle options) =>
        Check(((delegate* unmanaged<nint, nint>)_api[OrtApiIndex.RunOptionsSetTerminate])(options.Ptr));

    public OrtIoBindingHandle CreateIoBinding(OrtSessionHandle session)
    {
        nint binding;
        Check(((delegate* unmanaged<nint, nint*, nint>)_api[OrtApiIndex.CreateIoBinding])(session.Ptr, &binding));
        return new OrtIoBindingHandle(this, binding);
    }

    public void BindInput(OrtIoBindingHandle binding, NativeName name, OrtValueHandle value) =>
        Check(((delegate* unmanaged<nint, byte*, nint, nint>)_api[OrtApiIndex.BindInput])(binding.Ptr, name.Pointer, value.Ptr));

    public void BindOutput(OrtIoBindingHandle binding, NativeName name, OrtValueHandle value) =>
        Check(((delegate* unmanaged<nint, byte*, nint, nint>)_api[OrtApiIndex.BindOutput])(binding.Ptr, name.Pointer, value.Ptr));

    /// <summary>Lets the runtime allocate the output on this device; the value stays there after the run.</summary>
    public void BindOutputToDevice(OrtIoBindingHandle binding, NativeName name, OrtMemoryInfoHandle memory) =>
        Check(((delegate* unmanaged<nint, byte*, nint, nint>)_api[OrtApiIndex.BindOutputToDevice])(binding.Ptr, name.Pointer, memory.Ptr));

    public void ClearBoundOutputs(OrtIoBindingHandle binding) =>
        ((delegate* unmanaged<nint, void>)_api[OrtApiIndex.ClearBoundOutputs])(binding.Ptr);

    public void ClearBoundInputs(OrtIoBindingHandle binding) =>
        ((delegate* unmanaged<nint, void>)_api[OrtApiIndex.ClearBoundInputs])(binding.Ptr);

    public void RunWithBinding(OrtSessionHandle session, OrtRunOptionsHandle runOptions, OrtIoBindingHandle binding)
    {
        bool added = false;
        session.DangerousAddRef(ref added); // a session disposed at shutdown must not vanish under a running step
        try
        {
            Check(((delegate* unmanaged<nint, nint, nint, nint>)_api[OrtApiIndex.RunWithBinding])(session.Ptr, runOptions.Ptr, binding.Ptr));
        }
        finally
        {
            if (added) session.DangerousRelease();
        }
    }

    public void SynchronizeBoundOutputs(OrtIoBindingHandle binding) =>
        Check(((delegate* unmanaged<nint, nint>)_api[OrtApiIndex.SynchronizeBoundOutputs])(binding.Ptr));

    /// <summary>
    /// The bound outputs after a run, in binding order. Each is a new reference we own; the array itself is allocated by
    /// the default allocator and freed here.
    /// </summary>
    public void GetBoundOutputs(OrtIoBindingHandle binding, Span<OrtValueHandle?> into)
    {
        nint values;
        nuint count;
        Check(((delegate* unmanaged<nint, nint, nint*, nuint*, nint>)_api[OrtApiIndex.GetBoundOutputValues])(binding.Ptr, DefaultAllocator, &values, &count));
        if (values == 0) return;
        using var array = new OrtAllocatedHandle(this, values);
        int n = (int)count;
        for (int i = 0; i < n; i++)
        {
            var handle = new OrtValueHandle(this, ((nint*)values)[i]);
            if (i < into.Length) into[i] = handle;
            else handle.Dispose();
        }
    }

    // ---- allocator ------------------------------------------------------------------------------------------------

    private nint _defaultAllocator;

    /// <summary>The runtime's default CPU allocator; owned by the runtime, never released.</summary>
    public nint DefaultAllocator
    {
        get
        {
            if (_defaultAllocator == 0)
            {
                nint allocator;
                Check(((delegate* unmanaged<nint*, nint>)_api[OrtApiIndex.GetAllocatorWithDefaultOptions])(&allocator));
                _defaultAllocator = allocator;
            }
            return _defaultAllocator;
        }
    }

    public void FreeWithDefaultAllocator(nint pointer) =>
        Check(((delegate* unmanaged<nint, nint, nint>)_api[OrtApiIndex.AllocatorFree])(DefaultAllocator, pointer));

    private static byte[] Utf8Z(string s)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(s) + 1];
        Encoding.UTF8.GetBytes(s, bytes);
        return bytes;
    }
}

/// <summary>Element type and dimensions of a tensor; symbolic dimensions are -1 with their name beside.</summary>
public sealed record TensorMetadata(TensorElementType ElementType, long[] Dimensions, string[] SymbolicDimensions, bool IsTensor);

/// <summary>
/// A NUL-terminated UTF-8 name in pinned memory, encoded once and passed to every BindInput/BindOutput call so the
/// decode loop allocates nothing for names.
/// </summary>
internal sealed unsafe class NativeName
{
    private readonly byte[] _bytes;

    public NativeName(string name)
    {
        Name = name;
        _bytes = GC.AllocateArray<byte>(Encoding.UTF8.GetByteCount(name) + 1, pinned: true);
        Encoding.UTF8.GetBytes(name, _bytes);
    }

    public string Name { get; }

    public byte* Pointer => (byte*)Unsafe.AsPointer(ref _bytes[0]);
}
