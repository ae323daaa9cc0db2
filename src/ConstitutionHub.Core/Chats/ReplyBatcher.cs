using System.Text;

namespace ConstitutionHub.Core.Chats;

/// <summary>
/// Gathers a streaming reply's text between appends, so the runner records one <see cref="ReplyTokensAppended"/>
/// every <c>interval</c> (or every <c>maxChars</c> characters) instead of one event and one transaction per token.
/// Use: <c>Add</c> each delta; when <see cref="IsDue"/>, <see cref="Take"/> and append; at the end, <see cref="Take"/>
/// what is left before completing. Not thread-safe: one batcher per reply, used by the loop that reads the model.
/// </summary>
public sealed class ReplyBatcher(TimeSpan interval, TimeProvider? clock = null, int maxChars = 4_096)
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(250);

    private readonly TimeProvider time = clock ?? TimeProvider.System;
    private readonly StringBuilder pending = new();
    private long lastTake = (clock ?? TimeProvider.System).GetTimestamp();
    private int tokens;
    private int takenTokens;

    public ReplyBatcher() : this(DefaultInterval)
    {
    }

    /// <param name="completionTokens">Tokens generated so far for the reply, this delta included.</param>
    public void Add(string delta, int completionTokens)
    {
        pending.Append(delta);
        tokens = Math.Max(tokens, completionTokens);
    }

    /// <summary>Something is waiting and the interval has passed since the last batch (or the batch is large).</summary>
    public bool IsDue => HasPending && (pending.Length >= maxChars || time.GetElapsedTime(lastTake) >= interval);

    public bool HasPending => pending.Length > 0 || tokens != takenTokens;

    /// <summary>The text gathered since the last batch and the token count so far; null when nothing is waiting.</summary>
    public (string TextDelta, int CompletionTokens)? Take()
    {
        lastTake = time.GetTimestamp();
        if (!HasPending) return null;
        var batch = (pending.ToString(), tokens);
        pending.Clear();
        takenTokens = tokens;
        return batch;
    }
}
