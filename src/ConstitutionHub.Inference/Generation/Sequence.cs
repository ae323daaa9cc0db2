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
    private readonly SamplingSettings _sampling;
    private readonly bool _ignoreEos;
    private readonly IReadOnlySet<int> _eos;
    private readonly Action<GenerationUpdate> _report;
    private readonly Action<int>? _tokenSink;
    private readonly Sampler _sampler;
    private readonly StreamingDecoder _decoder;
    private readonly StopStringFilter _stops;
    private readonly float[] _logits;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly int _maxNew;
    private int _completion;
    private double? _ttft;
    private double _firstTokenAt, _lastTokenAt;
    private readonly OutputConstraint? _constraint;
    private readonly int? _topLogprobs;
    private readonly Tokenizer _tokenizer;
    private readonly TokenBytes? _vocabulary;
    private readonly float[]? _raw;
    private IReadOnlyList<TokenLogprob>? _pendingLogprobs;

    public Sequence(int[] prompt, SamplingSettings sampling, bool ignoreEos, int contextLength, int vocabSize, IReadOnlySet<int> eos,
        Tokenizer tokenizer, Action<GenerationUpdate> report, Action<Exception?> completed, CancellationToken cancellationToken,
        Action<int>? tokenSink = null, OutputConstraint? constraint = null, int? topLogprobs = null, TokenBytes? vocabulary = null)
    {
        _constraint = constraint;
        _topLogprobs = topLogprobs;
        _tokenizer = tokenizer;
        _vocabulary = vocabulary;
        if (topLogprobs is not null) _raw = new float[vocabSize];
        Prompt = prompt;
        _sampling = sampling;
        _ignoreEos = ignoreEos;
        _eos = eos;
        _report = report;
        Completed = completed;
        _tokenSink = tokenSink;
        CancellationToken = cancellationToken;
        _maxNew = Math.Min(sampling.MaxNewTokens, contextLength - prompt.Length);
        _sampler = new Sampler(sampling, vocabSize);
        foreach (int id in prompt) _sampler.Observe(id);
        _decoder = tokenizer.CreateStreamingDecoder(skipSpecialTokens: true);
        _stops = new StopStringFilter(sampling.StopStrings ?? []);
        _logits = new float[vocabSize];
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
        logits.CopyTo(_logits);
        if (_raw is not null) logits.CopyTo(_raw);
        if (_ignoreEos)
        {
            foreach (int eos in _eos)
            {
                if ((uint)eos < (uint)_logits.Length) _logits[eos] = float.NegativeInfinity;
            }
        }
        bool greedy = _sampling.Temperature == 0 && _sampling.RepetitionPenalty == 1;
        _constraint?.Mask(_logits, greedyOnly: greedy);
        int token = _sampler.Next(_logits);
        if (_constraint is not null && !_constraint.Allows(token))
        {
            // Sampling over a heavily masked row can round onto a token of zero probability: take the best valid one.
            token = Sampler.ArgMax(_logits);
            if (float.IsNegativeInfinity(_logits[token])) return Finish(FinishReasons.Stop);
        }
        _tokenSink?.Invoke(token);
        if (_raw is not null) _pendingLogprobs = [Logprob(token)];
        _completion++;
        _lastTokenAt = _clock.Elapsed.TotalMilliseconds;
        if (_ttft is null)
        {
            _ttft = _lastTokenAt;
            _firstTokenAt = _lastTokenAt;
        }
        if (_eos.Contains(token))
        {
            _pendingLogprobs = null; // OpenAI's logprobs cover the content, not the end token
            return Finish(FinishReasons.Stop);
        }
        _sampler.Observe(token);
        _constraint?.Advance(token);
        string text = _stops.Push(_decoder.Append(token));
        if (_stops.Stopped)
        {
            _report(new GenerationUpdate(text, Prompt.Length, _completion, FinishReasons.Stop, _ttft, TokensPerSecond(), Logprobs: TakeLogprobs()));
            return Done(null);
        }
        if (_constraint is { MustEnd: true })
        {
            _report(new GenerationUpdate(text, Prompt.Length, _completion, Logprobs: TakeLogprobs()));
            return Finish(FinishReasons.Stop); // the output is complete: nothing may follow it
        }
        if (_completion >= _maxNew)
        {
            _report(new GenerationUpdate(text, Prompt.Length, _completion, Logprobs: TakeLogprobs()));
            return Finish(FinishReasons.Length);
        }
        _report(new GenerationUpdate(text, Prompt.Length, _completion, TimeToFirstTokenMs: _completion == 1 ? _ttft : null, Logprobs: TakeLogprobs()));
        if (CancellationToken.IsCancellationRequested) return Finish(FinishReasons.Cancelled);
        NextInput = token;
        return false;
    }

    private IReadOnlyList<TokenLogprob>? TakeLogprobs()
    {
        var taken = _pendingLogprobs;
        _pendingLogprobs = null;
        return taken;
    }

    /// <summary>
    /// The token's log probability under the model's own distribution (before penalties, temperature and constraints, as
    /// vLLM reports by default) and the most likely alternatives.
    /// </summary>
    private TokenLogprob Logprob(int token)
    {
        var raw = _raw!;
        float max = raw[Sampler.ArgMax(raw)];
        double sum = 0;
        for (int i = 0; i < raw.Length; i++) sum += Math.Exp(raw[i] - max);
        double logZ = max + Math.Log(sum);
        var top = new List<TokenAlternative>();
        int k = Math.Min(_topLogprobs!.Value, raw.Length);
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
        if (_vocabulary?[id] is { } known)
        {
            bytes = known;
            return Encoding.UTF8.GetString(known);
        }
        string text = _tokenizer.IdToToken(id) ?? "";
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
        string tail = finish == FinishReasons.Cancelled ? "" : _stops.Push(_decoder.Flush());
        if (_stops.Stopped) finish = FinishReasons.Stop;
        else if (finish != FinishReasons.Cancelled) tail += _stops.Flush();
        _report(new GenerationUpdate(tail, Prompt.Length, _completion, finish, _ttft, TokensPerSecond()));
        return Done(null);
    }

    private bool Done(Exception? error)
    {
        IsDone = true;
        Completed(error);
        return true;
    }

    private double TokensPerSecond() =>
        _completion > 1 && _lastTokenAt > _firstTokenAt ? (_completion - 1) / ((_lastTokenAt - _firstTokenAt) / 1000.0) : 0;
}
