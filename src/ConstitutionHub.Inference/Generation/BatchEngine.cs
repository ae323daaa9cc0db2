using System.Threading.Channels;
using ConstitutionHub.Inference.Models;
using ConstitutionHub.Inference.Runtime;

namespace ConstitutionHub.Inference.Generation;

/// <summary>
/// Runs every generation of one model in shared forward passes (continuous batching). One worker thread owns the
/// <see cref="DecoderBatch"/>: at each turn it either prefills the sequences that arrived since the last turn, all
/// together in one pass, and adds them to the batch, or runs one decode pass for every sequence in it. A sequence
/// leaves the batch the moment it finishes, so each row stops on its own and a newcomer never waits for the others.
/// </summary>
/// <remarks>
/// How many run at once is the scheduler's decision (its slots per model); the engine takes whatever it is given, up
/// to <see cref="MaxBatch"/> rows, and queues the rest for the next turn. A failed pass fails the sequences that were
/// in it (their cache cannot be trusted) and the engine goes on with the next arrivals.
/// </remarks>
internal sealed class BatchEngine : IDisposable
{
    private readonly OnnxSession _session;
    private readonly DecoderGraph _graph;
    private readonly KvCacheOps _ops;
    // Groups, so sequences submitted together (n choices of one request, a benchmark's burst) always share a prefill.
    private readonly Channel<Sequence[]> _incoming = Channel.CreateUnbounded<Sequence[]>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Thread _worker;
    private readonly List<Sequence> _waiting = [];
    private volatile bool _stopping;
    private DecoderBatch? _batch;

    public BatchEngine(OnnxSession session, DecoderGraph graph, SessionSettings settings, int maxBatch, string name)
    {
        _session = session;
        _graph = graph;
        MaxBatch = Math.Max(1, maxBatch);
        _ops = new KvCacheOps(graph.KvType, settings with { ExecutionProvider = session.ExecutionProvider }, session.DeviceMemory);
        _worker = new Thread(Run) { IsBackground = true, Name = $"generation {name}" };
        _worker.Start();
    }

    public int MaxBatch { get; }

    /// <summary>The most rows one pass has run (tests and the bench read it to see batching happen).</summary>
    public int LargestBatch { get; private set; }

    /// <summary>Phase timings of decode passes, for benchmarks; null (off) unless one sets it.</summary>
    public volatile PassProfile? Profile;

    /// <summary>Forward passes run so far, prefill and decode.</summary>
    public long Passes { get; private set; }

    public void Submit(params Sequence[] sequences)
    {
        if (_incoming.Writer.TryWrite(sequences)) return;
        foreach (var s in sequences) s.Fail(new ObjectDisposedException(nameof(BatchEngine), "The model is shutting down."));
    }

    private void Run()
    {
        using var batch = new DecoderBatch(_session, _graph, _ops);
        _batch = batch;
        var active = new List<Sequence>();
        while (true)
        {
            if (active.Count == 0 && _waiting.Count == 0)
            {
                // Nothing to do: sleep until something arrives (or the model is disposed).
                if (!_incoming.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult()) break;
            }
            while (_incoming.Reader.TryRead(out var arrived)) _waiting.AddRange(arrived);
            if (_stopping) break;
            Turn(batch, active);
        }
        foreach (var s in active.Concat(_waiting)) s.Fail(new ObjectDisposedException(nameof(BatchEngine), "The model is shutting down."));
    }

    private void Turn(DecoderBatch batch, List<Sequence> active)
    {
        var fresh = TakeWaiting(MaxBatch - active.Count);
        var finished = new List<int>();
        try
        {
            if (fresh.Count > 0)
            {
                var profile = Profile;
                long started = System.Diagnostics.Stopwatch.GetTimestamp();
                batch.Add(fresh.Select(s => s.Prompt).ToList());
                profile?.Prefilled(started);
                Passes++;
                LargestBatch = Math.Max(LargestBatch, fresh.Count);
                int first = active.Count;
                active.AddRange(fresh);
                for (int i = 0; i < fresh.Count; i++)
                {
                    if (fresh[i].Accept(batch.Logits(first + i))) finished.Add(first + i);
                }
            }
            else
            {
                // Sequences cancelled between passes leave before the next one.
                for (int i = 0; i < active.Count; i++)
                {
                    if (active[i].CancellationToken.IsCancellationRequested)
                    {
                        active[i].Cancel();
                        finished.Add(i);
                    }
                }
                Remove(batch, active, finished);
                if (active.Count == 0) return;
                var profile = Profile;
                batch.Step(active.Select(s => s.NextInput).ToArray(), profile);
                Passes++;
                LargestBatch = Math.Max(LargestBatch, active.Count);
                for (int i = 0; i < active.Count; i++)
                {
                    if (active[i].Accept(batch.Logits(i))) finished.Add(i);
                }
                profile?.End(PassProfile.Phase.Accept);
                profile?.Count(active.Count);
            }
            Remove(batch, active, finished);
        }
        catch (Exception e)
        {
            // A pass that threw leaves a cache nobody can trust: every sequence in it fails, the others go on.
            foreach (var s in active.Concat(fresh)) s.Fail(e);
            active.Clear();
            batch.Clear();
        }
    }

    private static void Remove(DecoderBatch batch, List<Sequence> active, List<int> finished)
    {
        if (finished.Count == 0) return;
        batch.Remove(finished);
        foreach (int row in finished.OrderDescending()) active.RemoveAt(row);
        finished.Clear();
    }

    /// <summary>Up to <paramref name="room"/> waiting sequences, oldest first; those cancelled while waiting end at once.</summary>
    private List<Sequence> TakeWaiting(int room)
    {
        var taken = new List<Sequence>();
        for (int i = 0; i < _waiting.Count && taken.Count < room;)
        {
            var s = _waiting[i];
            _waiting.RemoveAt(i);
            if (s.CancellationToken.IsCancellationRequested) s.Cancel();
            else taken.Add(s);
        }
        return taken;
    }

    public void Dispose()
    {
        _stopping = true;
        _batch?.Terminate();
        _incoming.Writer.TryComplete();
        _worker.Join();
        _ops.Dispose();
    }
}
