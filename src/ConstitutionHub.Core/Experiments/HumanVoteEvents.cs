namespace ConstitutionHub.Core.Experiments;

/// <summary>
/// A person's blind vote on one pair of outputs (arms <paramref name="ArmA"/> &lt; <paramref name="ArmB"/>, one item
/// and sample). <paramref name="Left"/> is the arm that was shown on the left, <paramref name="Choice"/> what was
/// pressed as shown (left, right, tie, both_bad) and <paramref name="Verdict"/> the same in arm terms (a letter, tie
/// or both_bad). A change of mind is a second event on the same stream. <paramref name="StudyLinkId"/> is the study
/// link an anonymous participant voted through; who (the voter id) and when are also the event's metadata.
/// </summary>
public sealed record HumanVoteRecorded(Guid ExperimentId, string Voter, string ArmA, string ArmB, string ItemId, int Sample, string Left,
    string Choice, string Verdict, string? Reason, Guid? StudyLinkId);

/// <summary>
/// A revocable link through which people without an account vote on an experiment. As with chat share links, only the
/// SHA-256 of its token is kept.
/// </summary>
public sealed record StudyLinkCreated(Guid LinkId, byte[] TokenHash, Guid ExperimentId, DateTimeOffset? Expires);

public sealed record StudyLinkRevoked(Guid LinkId);

public static class HumanVoteStream
{
    /// <summary>One stream per voter and pair: a person's first vote creates it, so there is one vote per person per pair.</summary>
    public static string Id(Guid experimentId, string voter, PairKey pair) =>
        $"vote-{experimentId:N}/{voter}/{pair.ArmA}|{pair.ArmB}/{pair.Sample}/{pair.ItemId}";

    public static string StudyLinkId(Guid linkId) => $"study-link-{linkId:N}";

    public static readonly IReadOnlyList<(Type Type, string Alias)> Events =
    [
        (typeof(HumanVoteRecorded), "human_vote_recorded"),
        (typeof(StudyLinkCreated), "study_link_created"),
        (typeof(StudyLinkRevoked), "study_link_revoked"),
    ];
}

/// <summary>One comparison people vote on: two arms (in letter order) on one item and sample.</summary>
public readonly record struct PairKey(string ArmA, string ArmB, string ItemId, int Sample);
