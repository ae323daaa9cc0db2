namespace ConstitutionHub.Inference.Generation;

/// <summary>
/// Picks the next token from logits, as Hugging Face's generate() does: repetition penalty over every token seen
/// (prompt included), then greedy when the temperature is 0, else temperature, top-k, top-p and min-p, and a draw from
/// what is left. One sampler per generation; its buffers are sized once to the vocabulary, so a step allocates nothing.
/// </summary>
/// <remarks>
/// Min-p keeps tokens whose probability is at least min_p times the largest. That ratio does not change when top-k or
/// top-p renormalise, so applying it last (as transformers does) equals keeping logits within ln(min_p) of the best.
/// </remarks>
internal sealed class Sampler
{
    private readonly SamplingSettings settings;
    private readonly SeededRandom random;
    private readonly bool[] seen;
    private readonly List<int> seenIds = [];
    private readonly int[] order;
    private readonly float[] probs;
    private readonly int[] heap;

    public Sampler(SamplingSettings settings, int vocabSize)
    {
        this.settings = settings;
        random = new SeededRandom(settings.Seed);
        this.seen = new bool[vocabSize];
        this.order = new int[vocabSize];
        probs = new float[vocabSize];
        this.heap = new int[Math.Min(Math.Max(settings.TopK, 1), vocabSize)];
    }

    /// <summary>Remembers tokens for the repetition penalty (the prompt, then every sampled token).</summary>
    public void Observe(int token)
    {
        if ((uint)token < (uint)this.seen.Length && !this.seen[token])
        {
            this.seen[token] = true;
            seenIds.Add(token);
        }
    }

    /// <summary>Chooses the next token. <paramref name="logits"/> is modified in place.</summary>
    public int Next(float[] logits)
    {
        ApplyRepetitionPenalty(logits);
        if (this.settings.Temperature == 0) return ArgMax(logits);

        float inverseTemperature = (float)(1.0 / this.settings.Temperature);
        for (int i = 0; i < logits.Length; i++) logits[i] *= inverseTemperature;

        int count = Candidates(logits, out float max, out double total);
        // Walk the candidates best first with probabilities over the top-k set (or the whole vocabulary). Top-p keeps a
        // token while the mass before it is below top_p; min-p keeps it while p >= min_p * p(best) (p(best) = 1/total).
        double minP = this.settings.MinP / total;
        double topP = this.settings.TopP;
        double cumulative = 0;
        int kept = 0;
        for (int i = 0; i < count; i++)
        {
            double p = Math.Exp(logits[this.order[i]] - max) / total;
            if (i > 0 && (cumulative >= topP || p < minP)) break;
            cumulative += p;
            probs[kept++] = (float)p;
        }
        double keptMass = cumulative;
        double draw = random.NextDouble() * keptMass;
        for (int i = 0; i < kept; i++)
        {
            draw -= probs[i];
            if (draw < 0) return this.order[i];
        }
        return this.order[kept - 1];
    }

    private void ApplyRepetitionPenalty(float[] logits)
    {
        float penalty = (float)this.settings.RepetitionPenalty;
        if (penalty == 1f) return;
        foreach (int id in seenIds)
        {
            if (id >= logits.Length) continue;
            float v = logits[id];
            logits[id] = v < 0 ? v * penalty : v / penalty;
        }
    }

    /// <summary>The first index of the largest logit (ties go to the lower id, as argmax does).</summary>
    internal static int ArgMax(ReadOnlySpan<float> logits)
    {
        int best = 0;
        float bestValue = logits[0];
        for (int i = 1; i < logits.Length; i++)
        {
            if (logits[i] > bestValue)
            {
                bestValue = logits[i];
                best = i;
            }
        }
        return best;
    }

    /// <summary>
    /// Fills <see cref="this.order"/> with the candidate ids sorted by logit (descending, ties by id) and returns how many.
    /// With top-k, the candidates are the k best and <paramref name="total"/> normalises over them; without, it
    /// normalises over the whole vocabulary and only tokens min-p could keep are sorted.
    /// </summary>
    private int Candidates(float[] logits, out float max, out double total)
    {
        int vocab = logits.Length;
        max = logits[ArgMax(logits)];
        int count;
        if (this.settings.TopK > 0 && this.settings.TopK < vocab)
        {
            count = TopK(logits, this.settings.TopK);
            total = 0;
            for (int i = 0; i < count; i++) total += Math.Exp(logits[this.order[i]] - max);
        }
        else
        {
            total = 0;
            for (int i = 0; i < vocab; i++) total += Math.Exp(logits[i] - max);
            // Tokens below the min-p threshold can never be drawn; leaving them out keeps the sort short.
            float floor = this.settings.MinP > 0 ? max + (float)Math.Log(this.settings.MinP) : float.NegativeInfinity;
            count = 0;
            for (int i = 0; i < vocab; i++)
            {
                if (logits[i] >= floor) this.order[count++] = i;
            }
        }
        SortDescending(logits, this.order.AsSpan(0, count));
        return count;
    }

    /// <summary>The k largest logits through a min-heap of ids (O(V log k)); order is fixed by the sort after.</summary>
    private int TopK(ReadOnlySpan<float> logits, int k)
    {
        var heap = this.heap.AsSpan(0, k);
        for (int i = 0; i < k; i++)
        {
            heap[i] = i;
            SiftUp(logits, heap, i);
        }
        for (int i = k; i < logits.Length; i++)
        {
            if (Worse(logits, heap[0], i))
            {
                heap[0] = i;
                SiftDown(logits, heap, 0, k);
            }
        }
        heap.CopyTo(this.order);
        return k;
    }

    /// <summary>True when token a ranks below token b (lower logit, or equal logit and higher id).</summary>
    private static bool Worse(ReadOnlySpan<float> logits, int a, int b) => logits[a] < logits[b] || (logits[a] == logits[b] && a > b);

    private static void SiftUp(ReadOnlySpan<float> logits, Span<int> heap, int i)
    {
        while (i > 0)
        {
            int parent = (i - 1) / 2;
            if (!Worse(logits, heap[i], heap[parent])) break;
            (heap[i], heap[parent]) = (heap[parent], heap[i]);
            i = parent;
        }
    }

    private static void SiftDown(ReadOnlySpan<float> logits, Span<int> heap, int i, int n)
    {
        while (true)
        {
            int l = 2 * i + 1, r = l + 1, worst = i;
            if (l < n && Worse(logits, heap[l], heap[worst])) worst = l;
            if (r < n && Worse(logits, heap[r], heap[worst])) worst = r;
            if (worst == i) return;
            (heap[i], heap[worst]) = (heap[worst], heap[i]);
            i = worst;
        }
    }

    private static void SortDescending(float[] logits, Span<int> ids) => ids.Sort(new ByLogitDescending(logits));

    /// <summary>A struct comparer: sorting through it allocates nothing per step.</summary>
    private readonly struct ByLogitDescending(float[] logits) : IComparer<int>
    {
        public int Compare(int a, int b)
        {
            int c = logits[b].CompareTo(logits[a]);
            return c != 0 ? c : a.CompareTo(b);
        }
    }
}
