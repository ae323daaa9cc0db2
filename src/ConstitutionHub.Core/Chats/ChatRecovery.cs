using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.People;

namespace ConstitutionHub.Core.Chats;

/// <summary>
/// After a crash or restart no process is writing the replies still marked streaming: they become interrupted,
/// keeping the text written so far, so the chat can continue (regenerate, or reply after the partial text).
/// </summary>
public sealed class ChatRecovery(ChatQueries chats, ChatCommands commands, TimeProvider? clock = null)
{
    private readonly TimeProvider time = clock ?? TimeProvider.System;

    public const string RestartReason = "The server restarted while this reply was being written.";
    public const string StaleReason = "The server writing this reply stopped responding.";

    /// <summary>
    /// Marks streaming replies interrupted. With <paramref name="node"/>, only the replies that node was writing
    /// (call it at that node's startup: the other nodes' replies are alive); without, every streaming reply (a
    /// single node, or a whole-cluster restart). Returns how many replies this call interrupted.
    /// </summary>
    public Task<int> MarkInterruptedAsync(string? node = null, string reason = RestartReason, CancellationToken ct = default) =>
        InterruptAsync(node, null, reason, ct);

    /// <summary>
    /// Marks interrupted the streaming replies of any node that recorded nothing for <paramref name="idleFor"/>:
    /// a node that crashed and never came back does not restart to clean up after itself. Pick a period well
    /// above the batch interval plus the longest queue wait before a reply's first tokens.
    /// </summary>
    public Task<int> MarkStaleAsync(TimeSpan idleFor, CancellationToken ct = default) =>
        InterruptAsync(null, time.GetUtcNow() - idleFor, StaleReason, ct);

    private async Task<int> InterruptAsync(string? node, DateTimeOffset? updatedBefore, string reason, CancellationToken ct)
    {
        var count = 0;
        foreach (var (chatId, messageId) in await chats.StreamingRepliesAsync(node, updatedBefore, ct))
        {
            try
            {
                // Derived from the message id: two nodes recovering at once record one interruption, not two.
                await commands.InterruptReplyAsync(Actor.System, chatId, messageId, reason, RecoveryCommandId(messageId), ct);
                count++;
            }
            catch (ValidationException)
            {
                // It finished between our query and our append: nothing to recover.
            }
        }
        return count;
    }

    private static Guid RecoveryCommandId(Guid messageId) => ChatCommands.DeriveId(messageId, 0x7265_6376); // "recv"
}
