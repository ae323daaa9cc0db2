namespace ConstitutionHub.Core.Sharing;

/// <summary>A public link to a chat was made. Only the SHA-256 of its token is kept, here as in the read model:
/// a copy of the database opens no chat. Who made it and when are the event's metadata.</summary>
public sealed record ShareLinkCreated(
    Guid ShareId, byte[] TokenHash, Guid ChatId, ShareMode Mode, Guid? SnapshotMessageId, bool HideSystemPrompt, DateTimeOffset? Expires);

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
    ];
}
