namespace ConstitutionHub.Core.Chats;

/// <summary>
/// The seed a reply is sampled with: the chat's own seed when it has one, else one derived from the reply's id.
/// Deriving it (rather than drawing a fresh random number) makes every sampled reply reproducible from its
/// transcript alone, while a regenerated reply, having a new id, still gets a new answer.
/// </summary>
public static class ReplySeed
{
    /// <summary>53 bits, so the seed survives JSON readers that hold numbers as doubles.</summary>
    private const long Mask = (1L << 53) - 1;

    public static long For(SamplingRecord sampling, Guid replyId) => sampling.Seed ?? FromReplyId(replyId);

    public static long FromReplyId(Guid replyId)
    {
        Span<byte> bytes = stackalloc byte[16];
        replyId.TryWriteBytes(bytes);
        return BitConverter.ToInt64(bytes) & Mask;
    }
}
