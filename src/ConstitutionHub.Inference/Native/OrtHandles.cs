using System.Runtime.InteropServices;

namespace ConstitutionHub.Inference.Native;

/// <summary>
/// One SafeHandle per kind of native object, each released by its own Release function of the OrtApi table. The
/// runtime is never unloaded, so a handle may outlive whoever created it.
/// </summary>
internal abstract unsafe class OrtHandle : SafeHandle
{
    private readonly OrtRuntime _runtime;
    private readonly int _releaseIndex;

    protected OrtHandle(OrtRuntime runtime, nint value, int releaseIndex) : base(0, ownsHandle: true)
    {
        _runtime = runtime;
        _releaseIndex = releaseIndex;
        SetHandle(value);
    }

    public override bool IsInvalid => handle == 0;

    /// <summary>The raw pointer, for calls made while the owner keeps this handle alive.</summary>
    public nint Ptr => handle;

    protected override bool ReleaseHandle()
    {
        ((delegate* unmanaged<nint, void>)_runtime.Function(_releaseIndex))(handle);
        return true;
    }
}

internal sealed class OrtEnvHandle(OrtRuntime r, nint p) : OrtHandle(r, p, OrtApiIndex.ReleaseEnv);

internal sealed class OrtSessionOptionsHandle(OrtRuntime r, nint p) : OrtHandle(r, p, OrtApiIndex.ReleaseSessionOptions);

internal sealed class OrtSessionHandle(OrtRuntime r, nint p) : OrtHandle(r, p, OrtApiIndex.ReleaseSession);

internal sealed class OrtValueHandle(OrtRuntime r, nint p) : OrtHandle(r, p, OrtApiIndex.ReleaseValue);

internal sealed class OrtMemoryInfoHandle(OrtRuntime r, nint p) : OrtHandle(r, p, OrtApiIndex.ReleaseMemoryInfo);

internal sealed class OrtIoBindingHandle(OrtRuntime r, nint p) : OrtHandle(r, p, OrtApiIndex.ReleaseIoBinding);

internal sealed class OrtRunOptionsHandle(OrtRuntime r, nint p) : OrtHandle(r, p, OrtApiIndex.ReleaseRunOptions);

internal sealed class OrtTypeInfoHandle(OrtRuntime r, nint p) : OrtHandle(r, p, OrtApiIndex.ReleaseTypeInfo);

internal sealed class OrtTensorInfoHandle(OrtRuntime r, nint p) : OrtHandle(r, p, OrtApiIndex.ReleaseTensorTypeAndShapeInfo);

internal sealed class OrtCudaOptionsHandle(OrtRuntime r, nint p) : OrtHandle(r, p, OrtApiIndex.ReleaseCUDAProviderOptions);

/// <summary>
/// A string or array the runtime allocated with its default allocator (input names, bound output arrays); freed
/// through that allocator, never with free() or Marshal.
/// </summary>
internal sealed unsafe class OrtAllocatedHandle : SafeHandle
{
    private readonly OrtRuntime _runtime;

    public OrtAllocatedHandle(OrtRuntime runtime, nint value) : base(0, ownsHandle: true)
    {
        _runtime = runtime;
        SetHandle(value);
    }

    public override bool IsInvalid => handle == 0;

    public nint Ptr => handle;

    protected override bool ReleaseHandle()
    {
        _runtime.FreeWithDefaultAllocator(handle);
        return true;
    }
}
