namespace ConstitutionHub.Inference.Generation.Constraints;

/// <summary>
/// Keeps one sequence's output inside a grammar: before each token, the logits of every token that would leave the
/// grammar are set to -infinity (so sampling, penalties and top-k/top-p only ever see valid tokens), the end token is
/// allowed only where the output may end, and once nothing may follow the sequence ends by itself.
/// </summary>
internal sealed class OutputConstraint(Grammar grammar, TokenBytes vocabulary, IReadOnlySet<int> eos)
{
    private GrammarMatcher state = GrammarMatcher.Start(grammar);

    /// <summary>The output is complete and nothing may follow it.</summary>
    public bool MustEnd => state.MustEnd;

    public bool Allows(int token)
    {
        if (eos.Contains(token)) return state.CanEnd;
        return vocabulary[token] is { Length: > 0 } bytes && state.Allows(bytes[0]) && state.Accept(bytes) is not null;
    }

    /// <summary>Masks every token that cannot continue the output. Greedy decoding only needs the best valid token, so it
    /// stops at the first that fits, best first.</summary>
    public void Mask(float[] logits, bool greedyOnly)
    {
        if (greedyOnly)
        {
            while (true)
            {
                int best = Sampler.ArgMax(logits);
                if (float.IsNegativeInfinity(logits[best]) || Allows(best)) return;
                logits[best] = float.NegativeInfinity;
            }
        }
        for (int id = 0; id < logits.Length; id++)
        {
            if (!float.IsNegativeInfinity(logits[id]) && !Allows(id)) logits[id] = float.NegativeInfinity;
        }
    }

    public void Advance(int token)
    {
        if (eos.Contains(token)) return;
        state = (vocabulary[token] is { } bytes ? state.Accept(bytes) : null)
            ?? throw new InvalidOperationException($"Token {token} does not continue the constrained output.");
    }
}
