namespace ConstitutionHub.Inference.Generation.Constraints;

/// <summary>
/// Where a partial output stands in a <see cref="Grammar"/>: the set of parse stacks still alive, each waiting on a
/// byte set (or empty: the output may end here). Immutable: advancing returns a new state, so trying a token costs
/// nothing to undo. A stack is a linked list of positions in alternatives; a rule reference in last position replaces
/// its frame instead of stacking on it, so repetition never deepens a stack.
/// </summary>
internal sealed class GrammarMatcher
{
    private sealed record Frame(int Rule, int Alternative, int Position, Frame? Next);

    private readonly Grammar grammar;
    private readonly HashSet<Frame?> stacks;

    private GrammarMatcher(Grammar grammar, HashSet<Frame?> stacks)
    {
        this.grammar = grammar;
        this.stacks = stacks;
    }

    public static GrammarMatcher Start(Grammar grammar)
    {
        var stacks = new HashSet<Frame?>();
        foreach (int alt in Enumerable.Range(0, grammar.Alternatives(grammar.Start).Count))
            Expand(grammar, new Frame(grammar.Start, alt, 0, null), stacks, 0);
        return new GrammarMatcher(grammar, stacks);
    }

    /// <summary>No byte can follow: the output is complete (or dead).</summary>
    public bool IsDead => this.stacks.Count == 0;

    /// <summary>The output may end here.</summary>
    public bool CanEnd => this.stacks.Contains(null);

    /// <summary>The output must end here: nothing may follow.</summary>
    public bool MustEnd => this.stacks.Count == 1 && CanEnd;

    /// <summary>The state after <paramref name="b"/>, or null when no stack accepts it.</summary>
    public GrammarMatcher? Accept(byte b)
    {
        HashSet<Frame?>? next = null;
        foreach (var frame in this.stacks)
        {
            if (frame is null) continue;
            var element = (Grammar.ByteSet)this.grammar.Alternatives(frame.Rule)[frame.Alternative][frame.Position];
            if (!element.Allowed[b]) continue;
            next ??= [];
            Expand(this.grammar, frame with { Position = frame.Position + 1 }, next, 0);
        }
        return next is null ? null : new GrammarMatcher(this.grammar, next);
    }

    public GrammarMatcher? Accept(ReadOnlySpan<byte> bytes)
    {
        var state = this;
        foreach (byte b in bytes)
        {
            state = state.Accept(b);
            if (state is null) return null;
        }
        return state;
    }

    /// <summary>Whether some stack accepts <paramref name="b"/> first (a cheap test before a whole token).</summary>
    public bool Allows(byte b)
    {
        foreach (var frame in this.stacks)
        {
            if (frame is not null && ((Grammar.ByteSet)this.grammar.Alternatives(frame.Rule)[frame.Alternative][frame.Position]).Allowed[b]) return true;
        }
        return false;
    }

    /// <summary>Adds every stack reachable from <paramref name="frame"/> whose top waits on a byte set (null: complete).</summary>
    private static void Expand(Grammar grammar, Frame? frame, HashSet<Frame?> into, int depth)
    {
        if (depth > 1000) throw new InvalidOperationException("The output grammar nests too deeply.");
        if (frame is null)
        {
            into.Add(null);
            return;
        }
        var elements = grammar.Alternatives(frame.Rule)[frame.Alternative];
        if (frame.Position == elements.Length)
        {
            Expand(grammar, frame.Next, into, depth + 1);
            return;
        }
        switch (elements[frame.Position])
        {
            case Grammar.ByteSet:
                into.Add(frame);
                break;
            case Grammar.RuleRef reference:
                // In last position the reference replaces this frame (no frame left to return to).
                var continuation = frame.Position + 1 == elements.Length ? frame.Next : frame with { Position = frame.Position + 1 };
                var alternatives = grammar.Alternatives(reference.Rule);
                for (int alt = 0; alt < alternatives.Count; alt++)
                    Expand(grammar, new Frame(reference.Rule, alt, 0, continuation), into, depth + 1);
                break;
        }
    }
}
