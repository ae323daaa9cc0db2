using ConstitutionHub.Inference.Models;
using ConstitutionHub.Inference.Runtime;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace ConstitutionHub.Inference.Generation;

/// <summary>
/// Several sequences through one decoder graph, one forward pass for all of them, always through an IoBinding. Rows
/// are left-padded so that every row's cache ends at the same position: row r holds <c>CacheLength - length(r)</c>
/// masked positions, then its tokens. Each row has its own attention mask and positions (its own count of real
/// tokens), so a row computes what it would compute alone. The present outputs stay where the execution provider made
/// them (the CUDA device, or the CPU arena) and are bound as the next step's past; rows join and leave through
/// <see cref="KvCacheOps"/>, on the same device.
/// </summary>
/// <remarks>
/// The cache is trimmed whenever rows leave, so its length is always the longest row's: a short sequence that joins a
/// long batch costs attention over the padding, never more than the longest row's length.
/// </remarks>
internal sealed class DecoderBatch : IDisposable
{
    private readonly OnnxSession _session;
    private readonly DecoderGraph _graph;
    private readonly KvCacheOps _ops;
    private readonly string[] _past;
    private readonly string[] _present;
    private readonly RunOptions _run = new();
    private readonly OrtIoBinding _binding;
    private readonly List<int> _lengths = [];
    private OrtValue[]? _cache;
    private long[] _ids = [];
    private long[] _positions = [];
    private long[] _mask = [];
    private byte[] _rawLogits = [];
    private float[] _logits = [];

    public DecoderBatch(OnnxSession session, DecoderGraph graph, KvCacheOps ops)
    {
        _session = session;
        _graph = graph;
        _ops = ops;
        _binding = session.Session.CreateIoBinding();
        _past = new string[graph.Layers * 2];
        _present = new string[graph.Layers * 2];
        for (int layer = 0; layer < graph.Layers; layer++)
        {
            _past[2 * layer] = $"past_key_values.{layer}.key";
            _past[2 * layer + 1] = $"past_key_values.{layer}.value";
            _present[2 * layer] = $"present.{layer}.key";
            _present[2 * layer + 1] = $"present.{layer}.value";
        }
    }

    /// <summary>Sequences in the batch.</summary>
    public int Count => _lengths.Count;

    /// <summary>Positions in the cache: the longest row's length.</summary>
    public int CacheLength { get; private set; }

    /// <summary>Real tokens of a row (prompt and generated so far).</summary>
    public int Length(int row) => _lengths[row];

    /// <summary>The next-token logits of a row, valid until the next call that changes the batch.</summary>
    public ReadOnlySpan<float> Logits(int row) => _logits.AsSpan(row * _graph.VocabSize, _graph.VocabSize);

    /// <summary>
    /// Prefills <paramref name="prompts"/> together in one pass and appends them as the last rows; their logits are then
    /// at <see cref="Logits"/>(Count - prompts.Count + i).
    /// </summary>
    public void Add(IReadOnlyList<int[]> prompts)
    {
        int n = prompts.Count, width = prompts.Max(p => p.Length), first = Count;
        Grow(ref _ids, n * width);
        Grow(ref _positions, n * width);
        Grow(ref _mask, n * width);
        for (int b = 0; b < n; b++)
        {
            int[] prompt = prompts[b];
            int pad = width - prompt.Length, at = b * width;
            for (int j = 0; j < width; j++)
            {
                bool real = j >= pad;
                _ids[at + j] = real ? prompt[j - pad] : 0;
                _mask[at + j] = real ? 1 : 0;
                _positions[at + j] = real ? j - pad : 0;
            }
        }
        var binding = Bind();
        using var ids = Tensor(_ids, n * width, [n, width]);
        using var mask = Tensor(_mask, n * width, [n, width]);
        using var positions = Tensor(_positions, n * width, [n, width]);
        using var empty = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, _graph.KvType, [n, _graph.KvHeads, 0, _graph.HeadDim]);
        BindInputs(binding, ids, mask, positions, i => empty);
        // Prefill logits are [n, positions, vocab] ([n, 1, vocab] after LastPositionLogits); the runtime allocates them
        // in CPU memory and only each row's last position is read.
        binding.BindOutputToDevice("logits", OrtMemoryInfo.DefaultInstance);
        foreach (var name in _present) binding.BindOutputToDevice(name, _session.DeviceMemory);
        _session.Session.RunWithBinding(_run, binding);
        var outputs = BoundOutputs.Take(binding);
        using (var logits = outputs[0])
        {
            long rows = logits.GetTensorTypeAndShape().Shape[1];
            var raw = logits.GetTensorMutableRawData();
            int rowBytes = _graph.VocabSize * ElementSize(_graph.LogitsType);
            GrowLogits(first + n);
            for (int b = 0; b < n; b++)
            {
                ReadLogits(raw.Slice((int)((b * rows + rows - 1) * rowBytes), rowBytes), first + b);
            }
        }
        var present = outputs[1..];
        if (_cache is null)
        {
            _cache = present;
            CacheLength = width;
        }
        else
        {
            int length = Math.Max(CacheLength, width);
            var old = Enumerable.Range(0, first).Select(i => (long)i).ToArray();
            var fresh = Enumerable.Range(0, n).Select(i => (long)i).ToArray();
            for (int i = 0; i < _cache.Length; i++)
            {
                using var a = Reshape(ref _cache[i], old, 0, length - CacheLength);
                using var b = Reshape(ref present[i], fresh, 0, length - width);
                _cache[i] = _ops.Concat(a, b);
            }
            CacheLength = length;
        }
        _lengths.AddRange(prompts.Select(p => p.Length));
    }

    /// <summary>Feeds one token per row (in row order) and computes every row's next logits in one pass.</summary>
    /// <param name="profile">Phase timings, when a benchmark asks for them.</param>
    public void Step(ReadOnlySpan<int> tokens, PassProfile? profile = null)
    {
        profile?.Start();
        if (_cache is null || tokens.Length != Count) throw new InvalidOperationException("One token per row is needed.");
        int n = Count, width = CacheLength + 1;
        Grow(ref _ids, n);
        Grow(ref _positions, n);
        Grow(ref _mask, n * width);
        for (int b = 0; b < n; b++)
        {
            _ids[b] = tokens[b];
            _positions[b] = _lengths[b];
            int pad = CacheLength - _lengths[b];
            _mask.AsSpan(b * width, pad).Clear();
            _mask.AsSpan(b * width + pad, width - pad).Fill(1);
        }
        int rowBytes = _graph.VocabSize * ElementSize(_graph.LogitsType);
        Grow(ref _rawLogits, n * rowBytes);
        var binding = Bind();
        using var ids = Tensor(_ids, n, [n, 1]);
        using var positions = Tensor(_positions, n, [n, 1]);
        using var mask = Tensor(_mask, n * width, [n, width]);
        using var logits = OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, _graph.LogitsType, [n, 1, _graph.VocabSize],
            Pinned(_rawLogits), n * (long)rowBytes);
        var cache = _cache;
        BindInputs(binding, ids, mask, positions, i => cache[i]);
        binding.BindOutput("logits", logits);
        foreach (var name in _present) binding.BindOutputToDevice(name, _session.DeviceMemory);
        profile?.End(PassProfile.Phase.Bind);
        _session.Session.RunWithBinding(_run, binding);
        profile?.End(PassProfile.Phase.Run);
        var outputs = BoundOutputs.Take(binding);
        outputs[0].Dispose(); // our own buffer, already filled
        for (int i = 0; i < _cache.Length; i++)
        {
            _cache[i].Dispose();
            _cache[i] = outputs[i + 1];
        }
        CacheLength++;
        for (int b = 0; b < n; b++) _lengths[b]++;
        GrowLogits(n);
        for (int b = 0; b < n; b++) ReadLogits(_rawLogits.AsSpan(b * rowBytes, rowBytes), b);
        profile?.End(PassProfile.Phase.Outputs);
    }

    /// <summary>Takes rows out (finished sequences); the rest keep their order and the cache shrinks to the longest.</summary>
    public void Remove(IReadOnlyCollection<int> rows)
    {
        if (rows.Count == 0 || _cache is null) return;
        var keep = Enumerable.Range(0, Count).Where(r => !rows.Contains(r)).ToList();
        if (keep.Count == 0)
        {
            Clear();
            return;
        }
        int longest = keep.Max(r => _lengths[r]);
        int trim = CacheLength - longest;
        var indices = keep.Select(r => (long)r).ToArray();
        for (int i = 0; i < _cache.Length; i++)
        {
            var kept = _ops.Select(_cache[i], indices, trim, 0);
            _cache[i].Dispose();
            _cache[i] = kept;
        }
        var lengths = keep.Select(r => _lengths[r]).ToList();
        _lengths.Clear();
        _lengths.AddRange(lengths);
        CacheLength = longest;
    }

    /// <summary>Drops every row (after a failed step, whose cache cannot be trusted).</summary>
    public void Clear()
    {
        if (_cache is not null)
        {
            foreach (var value in _cache) value.Dispose();
        }
        _cache = null;
        _lengths.Clear();
        CacheLength = 0;
    }

    /// <summary>Stops a running pass at the next operator (shutdown).</summary>
    public void Terminate() => _run.Terminate = true;

    /// <summary>The batch's one IoBinding, emptied for the next pass (one binding per batch, not per pass).</summary>
    private OrtIoBinding Bind()
    {
        _binding.ClearBoundInputs();
        _binding.ClearBoundOutputs();
        return _binding;
    }

    private void BindInputs(OrtIoBinding binding, OrtValue ids, OrtValue mask, OrtValue positions, Func<int, OrtValue> past)
    {
        binding.BindInput("input_ids", ids);
        binding.BindInput("attention_mask", mask);
        if (_graph.HasPositionIds) binding.BindInput("position_ids", positions);
        for (int i = 0; i < _past.Length; i++) binding.BindInput(_past[i], past(i));
    }

    /// <summary>The rows of a cache tensor, trimmed and padded; the tensor itself when nothing changes (then moved out).</summary>
    private OrtValue Reshape(ref OrtValue value, long[] rows, long drop, long pad)
    {
        var result = drop == 0 && pad == 0 ? value : _ops.Select(value, rows, drop, pad);
        if (!ReferenceEquals(result, value)) value.Dispose();
        value = null!;
        return result;
    }

    private static OrtValue Tensor(long[] buffer, int length, long[] shape) =>
        OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, buffer.AsMemory(0, length), shape);

    private static unsafe IntPtr Pinned(byte[] pinnedArray) =>
        (IntPtr)System.Runtime.CompilerServices.Unsafe.AsPointer(ref pinnedArray[0]);

    private void GrowLogits(int rows)
    {
        if (_logits.Length < rows * _graph.VocabSize) Array.Resize(ref _logits, rows * _graph.VocabSize);
    }

    private static void Grow(ref long[] buffer, int length)
    {
        if (buffer.Length < length) buffer = GC.AllocateUninitializedArray<long>(Math.Max(length, buffer.Length * 2), pinned: true);
    }

    private static void Grow(ref byte[] buffer, int length)
    {
        if (buffer.Length < length) buffer = GC.AllocateUninitializedArray<byte>(Math.Max(length, buffer.Length * 2), pinned: true);
    }

    private static int ElementSize(TensorElementType type) => type == TensorElementType.Float16 ? 2 : 4;

    private void ReadLogits(ReadOnlySpan<byte> row, int into)
    {
        int vocab = _graph.VocabSize;
        var target = _logits.AsSpan(into * vocab, vocab);
        if (_graph.LogitsType == TensorElementType.Float16)
        {
            var half = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, Half>(row);
            for (int i = 0; i < vocab; i++) target[i] = (float)half[i];
        }
        else
        {
            System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(row).CopyTo(target);
        }
    }

    public void Dispose()
    {
        Clear();
        _binding.Dispose();
        _run.Dispose();
    }
}
