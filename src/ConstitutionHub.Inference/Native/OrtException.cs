namespace ConstitutionHub.Inference.Native;

/// <summary>ONNX Runtime's error codes (OrtErrorCode in onnxruntime_c_api.h).</summary>
public enum OrtErrorCode
{
    Ok = 0,
    Fail = 1,
    InvalidArgument = 2,
    NoSuchFile = 3,
    NoModel = 4,
    EngineError = 5,
    RuntimeException = 6,
    InvalidProtobuf = 7,
    ModelLoaded = 8,
    NotImplemented = 9,
    InvalidGraph = 10,
    EpFail = 11,
}

/// <summary>A failed ONNX Runtime call: the runtime's error code, its message, and what we were doing.</summary>
public sealed class OrtException(OrtErrorCode code, string message)
    : Exception($"ONNX Runtime error {code}: {message}")
{
    public OrtErrorCode Code { get; } = code;

    /// <summary>The runtime's own message, without our prefix.</summary>
    public string RuntimeMessage { get; } = message;
}
