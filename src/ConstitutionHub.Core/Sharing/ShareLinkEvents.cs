namespace ConstitutionHub.Core.Sharing;

/// <summary>A public link to a chat was made. Only the SHA-256 of its token is kept, here as in the read model:
/// a copy of the database opens no chat. Who made it and when are the event's metadata.</summary>
public sealed record ShareLinkCreated(
    Guid ShareId, byte[] TokenHash, Guid ChatId, ShareMode Mode, Guid? SnapshotMessageId, bool HideSystemPrompt, DateTimeOffset? Expires);

/// <summary>
/// A public link to an experiment's results was made, on the same kind of stream and with the same token scheme as a
/// chat's. A snapshot shows what was recorded up to <paramref name="SnapshotAt"/> (null: live, the results as they
/// are). <paramref name="ShowPrompts"/> puts the arms' compiled system prompts on the page, and names constitutions
/// that are not readable without an account; without it, such a constitution's slug and text stay off the page.
/// </summary>
public sealed record ExperimentShareLinkCreated(
    Guid ShareId, byte[] TokenHash, Guid ExperimentId, ShareMode Mode, DateTimeOffset? SnapshotAt, bool ShowPrompts, DateTimeOffset? Expires);

/// <summary>The link was ended; who and when are the event's metadata.</summary>
public sealed record ShareLinkRevoked(Guid ShareId);

public static class ShareLinkStream
{
    public static string Id(Guid shareId) => $"share-{shareId:N}";

    /// <summary>The stable name stored with each event (never the CLR name, so records can be renamed or moved).</summary>
    public static readonly IReadOnlyList<(Type Type, string Alias)> Events =
    [
        (typeof(ShareLinkCreated), "share_link_created"),
        (typeof(ShareLinkRevoked), "share_link_revoked"),
        (typeof(ExperimentShareLinkCreated), "experiment_share_link_created"),
    ];
}
