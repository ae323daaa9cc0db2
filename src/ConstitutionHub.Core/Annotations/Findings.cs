namespace ConstitutionHub.Core.Annotations;

public enum FindingDirection
{
    Helps,
    Hurts,
    NoEffect,
}

public enum FindingStrength
{
    Anecdote,
    SmallTest,
    Experiment,
}

public enum FindingStatus
{
    Proposed,
    Supported,
    Contested,
    Refuted,
}

public enum EvidenceKind
{
    /// <summary>A test chat, or one message of it (<see cref="EvidenceLink.MessageId"/>).</summary>
    ChatMessage,
    /// <summary>A public share link of a chat (<c>/s/{token}</c>); the token itself is not stored, only the chat it opens.</summary>
    ShareLink,
    /// <summary>A result of an experiment run: <c>experiment:{experimentId}[/run/{runId}]</c>. Experiments arrive later;
    /// the link is stored as given and resolved once they exist.</summary>
    Experiment,
    /// <summary>Anything outside the app (a paper, an eval report), http(s) only.</summary>
    Url,
}

public enum EvidenceRelation
{
    Supports,
    Contradicts,
}

/// <summary>What a finding claims: about which sections and variants, which behaviour, in which direction, how strongly.</summary>
public sealed record FindingClaim(
    IReadOnlyList<string> SectionIds,
    IReadOnlyList<string> Variants,
    string Behaviour,
    FindingDirection Direction,
    FindingStrength Strength);

/// <summary>
/// One piece of evidence. For chats: the revision, compiled prompt hash and section hashes it was produced with,
/// so a later edit of those sections shows the evidence predates the text.
/// </summary>
public sealed record EvidenceLink(
    Guid EvidenceId,
    EvidenceKind Kind,
    string Target,
    EvidenceRelation Relation,
    string Note,
    Guid? ChatId,
    Guid? MessageId,
    int? Revision,
    string? PromptHash,
    IReadOnlyDictionary<string, string> SectionHashes);

/// <summary>
/// Stale detection: a finding's basis (the section hashes it was made or last re-confirmed with) against the newest
/// revision's sections. A section whose text changed, or that is gone, makes the finding's evidence predate the text.
/// </summary>
public static class FindingStaleness
{
    /// <summary>Ids of the sections the finding is about whose text differs on <paramref name="head"/> from its basis.</summary>
    public static IReadOnlyList<string> ChangedSections(IReadOnlyDictionary<string, string> basis, IReadOnlyList<Documents.Text.SectionInfo> head)
    {
        var now = head.ToDictionary(s => s.Id, s => s.ContentHash, StringComparer.Ordinal);
        return basis.Where(b => !now.TryGetValue(b.Key, out var hash) || hash != b.Value).Select(b => b.Key).Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>Whether one piece of evidence was produced with other text of the finding's sections than the newest.</summary>
    public static bool Predates(IReadOnlyDictionary<string, string> evidenceHashes, IReadOnlyList<Documents.Text.SectionInfo> head) =>
        evidenceHashes.Count > 0 && ChangedSections(evidenceHashes, head).Count > 0;
}
