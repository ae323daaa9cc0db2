using System.Runtime.CompilerServices;
using ConstitutionHub.Inference.Models;
using ConstitutionHub.Inference.Native;

namespace ConstitutionHub.Inference.Generation;

/// <summary>Names of a decoder graph's inputs and outputs, encoded once per model for binding.</summary>
internal sealed class DecoderNames
{
    public DecoderNames(DecoderGraph graph)
    {
        Past = new NativeName[graph.Layers * 2];
        Present = new NativeName[graph.Layers * 2];
        for (int layer = 0; layer < graph.Layers; layer++)
        {
            Past[2 * layer] = new($"past_key_values.{layer}.key");
            Past[2 * layer + 1] = new($"past_key_values.{layer}.value");
            Present[2 * layer] = new($"present.{layer}.key");
            Present[2 * layer + 1] = new($"present.{layer}.value");
        }
    }

    public NativeName InputIds { get; } = new("input_ids");
    public NativeName AttentionMask { get; } = new("attention_mask");
    public NativeName PositionIds { get; } = new("position_ids");
    public NativeName Logits { get; } = new("logits");
    public NativeName[] Past { get; }
    public NativeName[] Present { get; }
}

/// <summary>
/// One generation's pass through a decoder graph with its own KV cache, always through an IoBinding. The present
/// outputs are left where the execution provider computed them (the CUDA device, or CPU memory from the session's
/// arena) and bound as the next step's past inputs, so the cache is never copied by us. Decode steps reuse the same
/// pinned input buffers and write the logits into one preallocated buffer; only the attention-mask tensor header,
/// a view over a preallocated row of ones, is made per step.
/// </summary>
/// <remarks>
/// Exported decoders concatenate past and new keys inside the graph, so the present tensors are new allocations of the
/// runtime each step; its arena hands back the blocks the previous step released. Preallocating the cache to the
/// context length would need a graph that writes in place (GroupQueryAttention with a shared buffer), which the
/// transformers.js exports are not.
/// </remarks>
internal sealed unsafe class DecoderRun : IDisposable
{
    private readonly OnnxSession _session;
    private readonly OrtRuntime _rt;
    private readonly DecoderGraph _graph;
    private readonly DecoderNames _names;
    private readonly OrtIoBindingHandle _binding;
    private readonly OrtRunOptionsHandle _runOptions;
    private readonly int _capacity;
    private readonly long[] _prefillIds;
    private readonly long[] _positions;
    private readonly long[] _mask;
    private readonly long[] _stepId = GC.AllocateArray<long>(1, pinned: true);
    private readonly long[] _stepPosition = GC.AllocateArray<long>(1, pinned: true);
    private readonly byte[] _stepLogitsRaw;
    private readonly float[] _logits;
    private readonly OrtValueHandle _stepIdValue;
    private readonly OrtValueHandle _stepPositionValue;
    private readonly OrtValueHandle _stepLogitsValue;
    private readonly OrtValueHandle?[] _past;
    private readonly OrtValueHandle?[] _outputs;
    private OrtValueHandle? _emptyPast;
    private int _length;

    public DecoderRun(OnnxSession session, DecoderGraph graph, DecoderNames names, int capacity)
    {
        _session = session;
        _rt = session.Runtime;
        _graph = graph;
        _names = names;
        _capacity = capacity;
        _prefillIds = GC.AllocateUninitializedArray<long>(capacity, pinned: true);
        _positions = GC.AllocateUninitializedArray<long>(capacity, pinned: true);
        _mask = GC.AllocateUninitializedArray<long>(capacity, pinned: true);
        for (int i = 0; i < capacity; i++)
        {
            _positions[i] = i;
            _mask[i] = 1;
        }
        int elementSize = graph.LogitsType == TensorElementType.Float16 ? 2 : 4;
        _stepLogitsRaw = GC.AllocateUninitializedArray<byte>(graph.VocabSize * elementSize, pinned: true);
        _logits = new float[graph.VocabSize];
        _past = new OrtValueHandle?[graph.Layers * 2];
        _outputs = new OrtValueHandle?[1 + graph.Layers * 2];

        _binding = _rt.CreateIoBinding(session.Handle);
        _runOptions = _rt.CreateRunOptions();
        _stepIdValue = _rt.CreateTensor(_rt.CpuMemory, Pin(_stepId), 8, [1, 1], TensorElementType.Int64);
        _stepPositionValue = _rt.CreateTensor(_rt.CpuMemory, Pin(_stepPosition), 8, [1, 1], TensorElementType.Int64);
        _stepLogitsValue = _rt.CreateTensor(_rt.CpuMemory, Pin(_stepLogitsRaw), _stepLogitsRaw.Length, [1, 1, graph.VocabSize], graph.LogitsType);
    }

    /// <summary>Tokens in the cache.</summary>
    public int Length => _length;

    /// <summary>
    /// Runs the prompt in one pass and returns the logits of its last position. (Leaving the logits unbound for all but
    /// the last token does not help: the runtime computes every node anyway, and the extra run made prefill slower.
    /// Limiting the projection to the last position is done in the graph instead.)
    /// </summary>
    public float[] Prefill(ReadOnlySpan<int> prompt)
    {
        if (prompt.Length == 0 || prompt.Length > _capacity) throw new ArgumentOutOfRangeException(nameof(prompt));
        int n = prompt.Length;
        for (int i = 0; i < n; i++) _prefillIds[i] = prompt[i];
        using var ids = _rt.CreateTensor(_rt.CpuMemory, Pin(_prefillIds), n * 8L, [1, n], TensorElementType.Int64);
        using var mask = _rt.CreateTensor(_rt.CpuMemory, Pin(_mask), n * 8L, [1, n], TensorElementType.Int64);
        using var positions = _rt.CreateTensor(_rt.CpuMemory, Pin(_positions), n * 8L, [1, n], TensorElementType.Int64);
        BindInputs(ids, mask, positions);
        // Prefill logits are [1, n, vocab] ([1, 1, vocab] after LastPositionLogits): the runtime allocates them in CPU
        // memory and we read only the last row.
        _rt.BindOutputToDevice(_binding, _names.Logits, _rt.CpuMemory);
        BindPresent();
        RunAndCollect(firstPresent: 1);
        using var logits = _outputs[0]!;
        _outputs[0] = null;
        int elementSize = _graph.LogitsType == TensorElementType.Float16 ? 2 : 4;
        long rows = _rt.ValueMetadata(logits).Dimensions[1];
        ReadLogits((byte*)_rt.TensorData(logits) + (rows - 1) * _graph.VocabSize * elementSize);
        _length = n;
        return _logits;
    }

    /// <summary>Feeds one token and returns the logits for the next.</summary>
    public float[] Step(int token)
    {
        if (_length >= _capacity) throw new InvalidOperationException("The KV cache is full.");
        _stepId[0] = token;
        _stepPosition[0] = _length;
        using var mask = _rt.CreateTensor(_rt.CpuMemory, Pin(_mask), (_length + 1) * 8L, [1, _length + 1], TensorElementType.Int64);
        BindInputs(_stepIdValue, mask, _stepPositionValue);
        _rt.BindOutput(_binding, _names.Logits, _stepLogitsValue);
        BindPresent();
        RunAndCollect(firstPresent: 1);
        _outputs[0]?.Dispose(); // our own buffer, already filled
        _outputs[0] = null;
        ReadLogits((byte*)Pin(_stepLogitsRaw));
        _length++;
        return _logits;
    }

    /// <summary>Stops a running step at the next operator (cancellation from another thread).</summary>
    public void Terminate() => _rt.Terminate(_runOptions);

    private void BindInputs(OrtValueHandle ids, OrtValueHandle mask, OrtValueHandle positions)
    {
        _rt.ClearBoundInputs(_binding);
        _rt.BindInput(_binding, _names.InputIds, ids);
        _rt.BindInput(_binding, _names.AttentionMask, mask);
        if (_graph.HasPositionIds) _rt.BindInput(_binding, _names.PositionIds, positions);
        for (int i = 0; i < _past.Length; i++)
        {
            // Before the first run the cache is empty: [1, heads, 0, head_dim], one tensor for every layer.
            _rt.BindInput(_binding, _names.Past[i], _past[i] ?? (_emptyPast ??= _rt.CreateAllocatedTensor([1, _graph.KvHeads, 0, _graph.HeadDim], _graph.KvType)));
        }
    }

    private void BindPresent()
    {
        for (int i = 0; i < _names.Present.Length; i++)
        {
            _rt.BindOutputToDevice(_binding, _names.Present[i], _session.DeviceMemory);
        }
    }

    /// <summary>Runs, takes the outputs (the present tensors start at <paramref name="firstPresent"/> in binding order) and makes them the next past.</summary>
    private void RunAndCollect(int firstPresent)
    {
        _rt.RunWithBinding(_session.Handle, _runOptions, _binding);
        Array.Clear(_outputs);
        _rt.GetBoundOutputs(_binding, _outputs);
        _rt.ClearBoundOutputs(_binding);
        for (int i = 0; i < _past.Length; i++)
        {
            _past[i]?.Dispose();
            _past[i] = _outputs[i + firstPresent] ?? throw new InvalidOperationException($"The runtime returned no {_names.Present[i].Name}.");
            _outputs[i + firstPresent] = null;
        }
    }

    private void ReadLogits(byte* row)
    {
        int vocab = _graph.VocabSize;
        if (_graph.LogitsType == TensorElementType.Float16)
        {
            var half = new ReadOnlySpan<Half>(row, vocab);
            for (int i = 0; i < vocab; i++) _logits[i] = (float)half[i];
        }
        else
        {
            new ReadOnlySpan<float>(row, vocab).CopyTo(_logits);
        }
    }

    private static void* Pin<T>(T[] pinnedArray) where T : unmanaged => Unsafe.AsPointer(ref pinnedArray[0]);

    public void Dispose()
    {
        foreach (var value in _past) value?.Dispose();
        foreach (var value in _outputs) value?.Dispose();
        _emptyPast?.Dispose();
        _stepIdValue.Dispose();
        _stepPositionValue.Dispose();
        _stepLogitsValue.Dispose();
        _binding.Dispose();
        _runOptions.Dispose();
    }
}
