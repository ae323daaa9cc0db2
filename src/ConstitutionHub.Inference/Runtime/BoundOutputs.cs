using Microsoft.ML.OnnxRuntime;

namespace ConstitutionHub.Inference.Runtime;

internal static class BoundOutputs
{
    /// <summary>
    /// The outputs of the last run, in binding order, owned by the caller. GetOutputValues hands out a list that disposes
    /// its values with itself; values that outlive the step (the KV cache) are moved out of it first.
    /// </summary>
    public static OrtValue[] Take(OrtIoBinding binding)
    {
        using var outputs = binding.GetOutputValues();
        if (outputs is not List<OrtValue> list) throw new InvalidOperationException("ONNX Runtime returned its outputs in an unexpected collection.");
        var values = list.ToArray();
        list.Clear();
        return values;
    }
}
