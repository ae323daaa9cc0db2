using System.Diagnostics;
using System.Text;
using ConstitutionHub.Inference.Generation.Constraints;
using ConstitutionHub.Inference.Tokenization;

namespace ConstitutionHub.Inference.Generation;

/// <summary>
/// One generation inside a batch: its prompt, sampler, stop strings and streaming decoder. The engine hands it the
/// logits of its row after every pass; it picks the next token, reports the text it makes, and says when it is done
/// (end token, stop string, length, cancellation). Rows never share state, so each stops on its own.
/// </summary>
internal sealed class Sequence
{
    private readonly SamplingSettings sampling;
    private readonly bool ignoreEos;
    private readonly IReadOnlySet<int> eos;
    private readonly Action<GenerationUpdate> report;
    private readonly Action<int>? tokenSink;
    private readonly Sampler sampler;
    private readonly StreamingDecoder decoder;
    private readonly StopStringFilter stops;
    private readonly float[] logits;
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly int maxNew;
    private int completion;
    private double? ttft;
    private double firstTokenAt, lastTokenAt;
    private readonly OutputConstraint? constraint;
    private readonly int? topLogprobs;
    private readonly Tokenizer tokenizer;
    private readonly TokenBytes? vocabulary;
    private readonly float[]? raw;
    private IReadOnlyList<TokenLogprob>? pendingLogprobs;

    public Sequence(int[] prompt, SamplingSettings sampling, bool ignoreEos, int contextLength, int vocabSize, IReadOnlySet<int> eos,
        Tokenizer tokenizer, Action<GenerationUpdate> report, Action<Exception?> completed, CancellationToken cancellationToken,
        Action<int>? tokenSink = null, OutputConstraint? constraint = null, int? topLogprobs = null, TokenBytes? vocabulary = null)
    {
        this.constraint = constraint;
        this.topLogprobs = topLogprobs;
        this.tokenizer = tokenizer;
        this.vocabulary = vocabulary;
        if (topLogprobs is not null) this.raw = new float[vocabSize];
        Prompt = prompt;
        this.sampling = sampling;
        this.ignoreEos = ignoreEos;
        this.eos = eos;
        this.report = report;
        Completed = completed;
        this.tokenSink = tokenSink;
        CancellationToken = cancellationToken;
        maxNew = Math.Min(sampling.MaxNewTokens, contextLength - prompt.Length);
        this.sampler = new Sampler(sampling, vocabSize);
        foreach (int id in prompt) this.sampler.Observe(id);
        this.decoder = tokenizer.CreateStreamingDecoder(skipSpecialTokens: true);
        this.stops = new StopStringFilter(sampling.StopStrings ?? []);
        this.logits = new float[vocabSize];
    }

    public int[] Prompt { get; }
    public CancellationToken CancellationToken { get; }

    /// <summary>Called once, after the last update (null) or with the failure.</summary>
    public Action<Exception?> Completed { get; }

    /// <summary>The token chosen last, fed to the next pass.</summary>
    public int NextInput { get; private set; }

    public bool IsDone { get; private set; }

    /// <summary>Chooses the next token from this row's logits; true when the sequence has finished (its last update sent).</summary>
    public bool Accept(ReadOnlySpan<float> logits)
    {
        logits.CopyTo(this.logits);
        if (this.raw is not null) logits.CopyTo(this.raw);
        if (this.ignoreEos)
        {
            foreach (int eos in this.eos)
            {
                if ((uint)eos < (uint)this.logits.Length) this.logits[eos] = float.NegativeInfinity;
            }
        }
        bool greedy = this.sampling.Temperature == 0 && this.sampling.RepetitionPenalty == 1;
        this.constraint?.Mask(this.logits, greedyOnly: greedy);
        int token = this.sampler.Next(this.logits);
        if (this.constraint is not null && !this.constraint.Allows(token))
        {
            // Sampling over a heavily masked row can round onto a token of zero probability: take the best valid one.
            token = Sampler.ArgMax(this.logits);
            if (float.IsNegativeInfinity(this.logits[token])) return Finish(FinishReasons.Stop);
        }
        this.tokenSink?.Invoke(token);
        if (this.raw is not null) pendingLogprobs = [Logprob(token)];
        completion++;
        lastTokenAt = clock.Elapsed.TotalMilliseconds;
        if (ttft is null)
        {
            ttft = lastTokenAt;
            firstTokenAt = lastTokenAt;
        }
        if (this.eos.Contains(token))
        {
            pendingLogprobs = null; // OpenAI's logprobs cover the content, not the end token
            return Finish(FinishReasons.Stop);
        }
        this.sampler.Observe(token);
        this.constraint?.Advance(token);
        string text = this.stops.Push(this.decoder.Append(token));
        if (this.stops.Stopped)
        {
            this.report(new GenerationUpdate(text, Prompt.Length, completion, FinishReasons.Stop, ttft, TokensPerSecond(), Logprobs: TakeLogprobs()));
            return Done(null);
        }
        if (this.constraint is { MustEnd: true })
        {
            this.report(new GenerationUpdate(text, Prompt.Length, completion, Logprobs: TakeLogprobs()));
            return Finish(FinishReasons.Stop); // the output is complete: nothing may follow it
        }
        if (completion >= maxNew)
        {
            this.report(new GenerationUpdate(text, Prompt.Length, completion, Logprobs: TakeLogprobs()));
            return Finish(FinishReasons.Length);
        }
        this.report(new GenerationUpdate(text, Prompt.Length, completion, TimeToFirstTokenMs: completion == 1 ? ttft : null, Logprobs: TakeLogprobs()));
        if (CancellationToken.IsCancellationRequested) return Finish(FinishReasons.Cancelled);
        NextInput = token;
        return false;
    }

    private IReadOnlyList<TokenLogprob>? TakeLogprobs()
    {
        var taken = pendingLogprobs;
        pendingLogprobs = null;
        return taken;
    }

    /// <summary>
    /// The token's log probability under the model's own distribution (before penalties, temperature and constraints, as
    /// vLLM reports by default) and the most likely alternatives.
    /// </summary>
    private TokenLogprob Logprob(int token)
    {
        var raw = this.raw!;
        float max = raw[Sampler.ArgMax(raw)];
        double sum = 0;
        for (int i = 0; i < raw.Length; i++) sum += Math.Exp(raw[i] - max);
        double logZ = max + Math.Log(sum);
        var top = new List<TokenAlternative>();
        int k = Math.Min(this.topLogprobs!.Value, raw.Length);
        if (k > 0)
        {
            var best = new PriorityQueue<int, float>(k + 1);
            for (int i = 0; i < raw.Length; i++)
            {
                best.Enqueue(i, raw[i]);
                if (best.Count > k) best.Dequeue();
            }
            var ids = new List<int>(k);
            while (best.TryDequeue(out int id, out _)) ids.Add(id);
            ids.Reverse();
            foreach (int id in ids) top.Add(new TokenAlternative(TokenText(id, out var b), raw[id] - logZ, b));
        }
        return new TokenLogprob(TokenText(token, out var bytes), raw[token] - logZ, bytes, top);
    }

    private string TokenText(int id, out byte[] bytes)
    {
        if (this.vocabulary?[id] is { } known)
        {
            bytes = known;
            return Encoding.UTF8.GetString(known);
        }
        string text = this.tokenizer.IdToToken(id) ?? "";
        bytes = Encoding.UTF8.GetBytes(text);
        return text;
    }

    /// <summary>Ends the sequence as cancelled (the caller stopped it between passes).</summary>
    public void Cancel() => Finish(FinishReasons.Cancelled);

    public void Fail(Exception error)
    {
        if (IsDone) return;
        IsDone = true;
        Completed(error);
    }

    /// <summary>
    /// Text held back by the streaming decoder or for a possible stop string is final now. After a cancellation it is
    /// dropped only if it could still be part of a stop string.
    /// </summary>
    private bool Finish(string finish)
    {
        string tail = finish == FinishReasons.Cancelled ? "" : this.stops.Push(this.decoder.Flush());
        if (this.stops.Stopped) finish = FinishReasons.Stop;
        else if (finish != FinishReasons.Cancelled) tail += this.stops.Flush();
        this.report(new GenerationUpdate(tail, Prompt.Length, completion, finish, ttft, TokensPerSecond()));
        return Done(null);
    }

    private bool Done(Exception? error)
    {
        IsDone = true;
        Completed(error);
        return true;
    }

    private double TokensPerSecond() =>
        completion > 1 && lastTokenAt > firstTokenAt ? (completion - 1) / ((lastTokenAt - firstTokenAt) / 1000.0) : 0;
}
